package io.tarn.server.bench;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.api.auth.TokenSpec;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.ServerSecurity;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import io.tarn.server.MetadataServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Measures lookup, getattr, create and rename through a {@link MetaService}: single-caller latency
 * (p50, p99, max) and ops/s, plus getattr throughput from several concurrent callers.
 *
 * <pre>java ... io.tarn.server.bench.MetaBenchmark [--ops N] [--threads T] [--data DIR | --memory] [--connect HOST:PORT] [--virtual] [--tls]</pre>
 * Without {@code --connect} it starts a metadata server on loopback (RocksDB in a temporary or given
 * directory) and measures over RPC, then the same engine in-process for comparison. {@code --tls}
 * adds a run over TLS 1.3 with an access token against the same engine (ADR 0100).
 */
public final class MetaBenchmark {
    /** The figures of one operation; latencies in nanoseconds. */
    public record Result(String op, int ops, double opsPerSecond, long p50Nanos, long p99Nanos, long maxNanos) {
        @Override
        public String toString() {
            return String.format("%-16s %8d ops %10.0f ops/s   p50 %7.1f us   p99 %7.1f us   max %8.1f us",
                    op, ops, opsPerSecond, p50Nanos / 1e3, p99Nanos / 1e3, maxNanos / 1e3);
        }
    }

    private static boolean withTls;

    private MetaBenchmark() {}

    /** {@link #run(MetaService, int, int)} with 20,000 calls per operation and 8 concurrent callers. */
    public static List<Result> run(MetaService svc) {
        return run(svc, 20_000, 8);
    }

    /**
     * Runs the benchmark on a fresh volume of {@code svc}: {@code ops} measured calls per operation
     * after as many warm-up calls, then getattr from {@code threads} callers at once (skipped if 1).
     */
    public static List<Result> run(MetaService svc, int ops, int threads) {
        String volume = "bench-" + Long.toHexString(System.nanoTime());
        svc.createVolume(new VolumeSpec(volume, "mem://bench", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
        long session = svc.openSession(volume, "MetaBenchmark").session();
        try {
            Ctx ctx = new Ctx(session, 0, Caller.ROOT);
            long root = svc.volume(volume).rootIno();
            warmUp(svc, ctx, root, ops);
            long dir = svc.mkdir(ctx, root, "measured", 0755).ino();
            long[] inos = new long[ops];
            List<Result> results = new ArrayList<>();
            // Mutations carry request ids as a remote client's do, so in-process figures include the at-most-once record too.
            AtomicLong ids = new AtomicLong(1L << 40);
            results.add(measure("create", ops, i -> inos[i] = svc.create(ctx.withRequestId(ids.incrementAndGet()), dir, "f" + i, 0644, 0).ino()));
            SplittableRandom random = new SplittableRandom(42);
            int[] order = random.ints(ops, 0, ops).toArray();
            results.add(measure("lookup", ops, i -> svc.lookup(ctx, dir, "f" + order[i])));
            results.add(measure("getattr", ops, i -> svc.getAttr(ctx, inos[order[i]])));
            results.add(measure("rename", ops, i -> svc.rename(ctx.withRequestId(ids.incrementAndGet()), dir, "f" + i, dir, "r" + i, 0)));
            if (threads > 1) results.add(concurrentGetAttr(svc, ctx, inos, threads));
            return results;
        } finally {
            svc.closeSession(session);
        }
    }

    private static void warmUp(MetaService svc, Ctx ctx, long root, int ops) {
        long dir = svc.mkdir(ctx, root, "warmup", 0755).ino();
        for (int i = 0; i < ops; i++) {
            Attr a = svc.create(ctx, dir, "w" + i, 0644, 0);
            svc.lookup(ctx, dir, "w" + i);
            svc.getAttr(ctx, a.ino());
            svc.rename(ctx, dir, "w" + i, dir, "x" + i, 0);
        }
    }

    private static Result measure(String op, int ops, IntConsumer call) {
        long[] lat = new long[ops];
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            long t0 = System.nanoTime();
            call.accept(i);
            lat[i] = System.nanoTime() - t0;
        }
        return summarize(op, lat, System.nanoTime() - start);
    }

    private static Result concurrentGetAttr(MetaService svc, Ctx ctx, long[] inos, int threads) {
        int each = inos.length;
        long[] lat = new long[each * threads];
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                futures.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(base);
                    for (int i = 0; i < each; i++) {
                        long t0 = System.nanoTime();
                        svc.getAttr(ctx, inos[r.nextInt(each)]);
                        lat[base + i] = System.nanoTime() - t0;
                    }
                }));
            }
            for (Future<?> f : futures) f.get();
        } catch (Exception e) {
            throw new IllegalStateException("concurrent getattr failed", e);
        }
        return summarize("getattr x" + threads, lat, System.nanoTime() - start);
    }

    private static Result summarize(String op, long[] lat, long elapsed) {
        long[] s = lat.clone();
        Arrays.sort(s);
        return new Result(op, s.length, s.length * 1e9 / elapsed, s[s.length / 2], s[(int) (s.length * 0.99)], s[s.length - 1]);
    }

    public static void main(String[] args) throws Exception {
        int ops = 20_000, threads = 8;
        boolean virtual = false;
        Path data = null;
        boolean memory = false;
        String connect = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--tls")) {
                withTls = true;
                continue;
            }
            switch (args[i]) {
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--memory" -> memory = true;
                case "--connect" -> connect = args[++i];
                case "--virtual" -> virtual = true;
                default -> {
                    System.err.println("usage: MetaBenchmark [--ops N] [--threads T] [--data DIR | --memory] [--connect HOST:PORT] [--virtual] [--tls]");
                    System.exit(2);
                }
            }
        }
        if (virtual) {
            // the single caller on a virtual thread, as FUSE requests are handled
            int o = ops, t = threads;
            Path d = data;
            boolean m = memory;
            String c = connect;
            Thread vt = Thread.ofVirtual().start(() -> {
                try {
                    bench(o, t, d, m, c);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            vt.join();
            return;
        }
        bench(ops, threads, data, memory, connect);
    }

    private static void bench(int ops, int threads, Path data, boolean memory, String connect) throws Exception {
        PrintStream out = System.out;
        if (connect != null) {
            try (RemoteMetaService remote = RemoteMetaService.connect(connect, RpcOptions.defaults())) {
                report(out, "rpc to " + connect, run(remote, ops, threads));
            }
            return;
        }
        if (memory) {
            try (LocalMetaService local = new LocalMetaService(new MemoryKvStore());
                 var server = io.tarn.rpc.RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
                 RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
                report(out, "rpc, loopback, MemoryKvStore", run(remote, ops, threads));
                report(out, "in-process, MemoryKvStore", run(local, ops, threads));
            }
            return;
        }
        Path dir = data != null ? data : Files.createTempDirectory("tarn-bench-");
        try (MetadataServer server = MetadataServer.start(dir, new InetSocketAddress("127.0.0.1", 0));
             RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            report(out, "rpc, loopback, RocksDB at " + dir, run(remote, ops, threads));
            if (withTls) tlsRun(out, server, ops, threads);
            report(out, "in-process, same RocksDB", run(server.service(), ops, threads));
        } finally {
            if (data == null) deleteTree(dir);
        }
    }

    /** The same engine behind a second listener with TLS 1.3 and a required access token. */
    private static void tlsRun(PrintStream out, MetadataServer server, int ops, int threads) throws IOException {
        Path certDir = Files.createTempDirectory("tarn-bench-certs-");
        try {
            var certs = TestCertificates.create(certDir, List.of("127.0.0.1"), "bench", java.time.Duration.ofDays(1));
            String token = server.tokens().createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret();
            try (var tls = io.tarn.rpc.RpcServer.start(server.service(), new InetSocketAddress("127.0.0.1", 0),
                    new ServerSecurity(Tls.server(certs.serverCert(), certs.serverKey(), null), server.tokens(), true));
                 RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + tls.port(),
                         RpcOptions.defaults().withTls(Tls.client(certs.ca(), null, null)).withToken(token))) {
                report(out, "rpc over TLS 1.3 with an access token, loopback, same RocksDB", run(remote, ops, threads));
            }
        } finally {
            deleteTree(certDir);
        }
    }

    private static void report(PrintStream out, String title, List<Result> results) {
        out.println("== " + title + " (" + Runtime.getRuntime().availableProcessors() + " cpus, "
                + System.getProperty("java.version") + ")");
        for (Result r : results) out.println(r);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
