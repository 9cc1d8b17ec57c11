package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.cli.bench.MountBench;
import io.tarn.cli.bench.Phase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tarn bench PATH}: big-file and small-file workloads through a mounted directory, one line per phase. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark a mounted directory (Tarn or any other): big-file write/read, small-file write/read/stat, listing, delete.")
final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "PATH", description = "A directory on the filesystem to measure.") Path path;
    @Option(names = "--big-size", defaultValue = "1G", description = "Size of each big file, one per thread; 0 skips (default: ${DEFAULT-VALUE}).")
    String bigSize;
    @Option(names = "--io-size", defaultValue = "1M", description = "Size of each read and write of big files (default: ${DEFAULT-VALUE}).")
    String ioSize;
    @Option(names = "--small-files", defaultValue = "1000", description = "Small files in all; 0 skips (default: ${DEFAULT-VALUE}).")
    int smallFiles;
    @Option(names = "--small-size", defaultValue = "128K", description = "Size of each small file (default: ${DEFAULT-VALUE}).")
    String smallSize;
    @Option(names = {"-p", "--threads"}, defaultValue = "1", description = "Concurrent workers (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--drop-caches", description = "Drop the kernel's page cache before read phases (needs root).")
    boolean dropCaches;

    @Override
    public Integer call() throws Exception {
        long big = Sizes.bytes(bigSize), io = Sizes.bytes(ioSize), ss = Sizes.bytes(smallSize);
        if (!Files.isDirectory(path)) throw FsException.of(Errno.ENOTDIR, "%s is not a directory", path);
        if (io < 1 || io > 64L << 20) throw FsException.of(Errno.EINVAL, "--io-size must be 1 byte to 64M, not %s", ioSize);
        if (ss < 0 || ss > 64L << 20) throw FsException.of(Errno.EINVAL, "--small-size must be at most 64M, not %s", smallSize);
        if (threads < 1 || threads > 1024 || smallFiles < 0 || big < 0)
            throw FsException.of(Errno.EINVAL, "--threads must be 1..1024; sizes and counts must not be negative");
        PrintWriter out = spec.commandLine().getOut();
        out.printf("bench %s: big files %s x %d (io %s), small files %d x %s, %d thread(s)%n", path, Sizes.human(big), threads,
                Sizes.human(io), smallFiles, Sizes.human(ss), threads);
        out.printf("%-13s %9s %10s %12s %9s %9s %9s %9s%n", "phase", "seconds", "MiB/s", "ops/s", "unit", "p50 ms", "p99 ms", "max ms");
        MountBench.run(path, new MountBench.Plan(big, (int) io, smallFiles, (int) ss, threads, dropCaches), p -> {
            out.printf("%-13s %9.3f %10s %12.1f %9s %9.3f %9.3f %9.3f%n", p.name(), p.seconds(),
                    p.bytes() == 0 ? "-" : String.format("%.1f", p.mibPerSecond()), p.opsPerSecond(), unitOf(p),
                    p.latencies().millis(0.5), p.latencies().millis(0.99), p.latencies().millis(1.0));
            out.flush();
        });
        return 0;
    }

    private static String unitOf(Phase p) {
        return p.unit().equals("MiB") ? "io" : p.unit();
    }
}
