package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.cli.store.StoreBench;
import io.tarn.cli.store.StoreCheck;
import io.tarn.objectstore.ObjectStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tarn store check|bench URI}: the raw object store, below Tarn's blocks. */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Check or measure an object store (s3://, az://, gs://, file://).",
        subcommands = {StoreCommand.Check.class, StoreCommand.Bench.class})
final class StoreCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Put, get, range-get, list and delete a probe object; one line per failure.")
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "URI") String uri;
        @Option(names = {"-v", "--verbose"}, description = "Also print the steps that worked.") boolean verbose;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (ObjectStore store = ObjectStores.open(uri)) {
                List<StoreCheck.Step> steps = StoreCheck.run(store);
                int failed = 0;
                for (StoreCheck.Step s : steps) {
                    if (s.ok()) {
                        if (verbose) out.printf("ok: %s (%.1f ms)%n", s.name(), s.nanos() / 1e6);
                    } else {
                        failed++;
                        err.printf("tarn: %s: %s%n", s.name(), s.error().orElseThrow());
                    }
                }
                if (failed > 0) return Errno.EIO.code;
                out.printf("%s: put, get, range get, list and delete work%n", store.describe());
                return 0;
            }
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Parallel PUT/GET/DELETE throughput of block-sized objects, then small-object latency. Cleans up after itself.")
    static final class Bench implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "URI") String uri;
        @Option(names = "--block-size", defaultValue = "4M", description = "Object size (default: ${DEFAULT-VALUE}, Tarn's default block).")
        String blockSize;
        @Option(names = "--objects", defaultValue = "64", description = "Objects per concurrency level, at least twice the level (default: ${DEFAULT-VALUE}).")
        int objects;
        @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,64", description = "Requests in flight, one run each (default: ${DEFAULT-VALUE}).")
        List<Integer> concurrency = new ArrayList<>();
        @Option(names = "--small-size", defaultValue = "4K", description = "Size of the small objects (default: ${DEFAULT-VALUE}).")
        String smallSize;
        @Option(names = "--small-count", defaultValue = "200", description = "Small objects, one request at a time (default: ${DEFAULT-VALUE}).")
        int smallCount;
        @Option(names = "--drop-caches", description = "Before each GET phase, flush and drop this machine's page cache "
                + "(root only). A store on this machine (a directory, S3Proxy) then serves the GETs from its disk, as it "
                + "serves a freshly mounted volume's reads in bench/io/run.sh, which drops caches too.")
        boolean dropCaches;

        @Override
        public Integer call() throws Exception {
            long bs = Sizes.bytes(blockSize), ss = Sizes.bytes(smallSize);
            if (bs < 1 || bs > 64L << 20) throw FsException.of(Errno.EINVAL, "--block-size must be 1 byte to 64M, not %s", blockSize);
            if (ss < 1 || ss > 64L << 20) throw FsException.of(Errno.EINVAL, "--small-size must be 1 byte to 64M, not %s", smallSize);
            if (objects < 1 || smallCount < 1 || concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 4096))
                throw FsException.of(Errno.EINVAL, "--objects, --small-count and --concurrency (1..4096) must be positive");
            PrintWriter out = spec.commandLine().getOut();
            try (ObjectStore store = ObjectStores.open(uri)) {
                out.printf("store %s, objects of %s, %d per level, small objects of %s%n", store.describe(),
                        Sizes.human(bs), objects, Sizes.human(ss));
                out.printf("%-13s %5s %7s %10s %10s %9s %9s %9s%n", "op", "conc", "objects", "MiB/s", "ops/s", "p50 ms", "p99 ms", "max ms");
                StoreBench.run(store, new StoreBench.Plan((int) bs, objects, List.copyOf(concurrency), (int) ss, smallCount,
                        dropCaches ? Bench::dropPageCache : () -> { }), p -> {
                    out.printf("%-13s %5d %7d %10s %10.0f %9.2f %9.2f %9.2f%n", p.op(), p.concurrency(), p.objects(),
                            p.bytes() == 0 ? "-" : String.format("%.1f", p.mibPerSecond()), p.opsPerSecond(),
                            p.latencies().millis(0.5), p.latencies().millis(0.99), p.latencies().millis(1.0));
                    out.flush();
                });
            }
            return 0;
        }

        /** sync, then drop clean pages, dentries and inodes: what {@code echo 3 > /proc/sys/vm/drop_caches} does. */
        static void dropPageCache() {
            try {
                Process sync = new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!sync.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || sync.exitValue() != 0)
                    throw FsException.of(Errno.EIO, "--drop-caches: sync failed");
                java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/sys/vm/drop_caches"), "3");
            } catch (java.io.IOException e) {
                throw FsException.of(Errno.EPERM, "--drop-caches needs root on Linux: %s", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw FsException.of(Errno.EINTR, "--drop-caches: interrupted");
            }
        }
    }
}
