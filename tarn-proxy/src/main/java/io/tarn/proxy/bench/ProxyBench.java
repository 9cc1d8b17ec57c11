package io.tarn.proxy.bench;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.LocalDirObjectStore;
import io.tarn.proxy.ProxyServer;
import io.tarn.rpc.RemoteObjectStore;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the proxy costs on one host (ADR 0140): block-sized puts and gets against a local directory store,
 * straight and through a loopback TLS 1.3 proxy (staged and synced on its disk, uploaded in the background
 * to the same kind of store). Not a test; prints one line per phase.
 *
 * <pre>java -cp "tarn-cli/target/tarn-cli.jar:tarn-cli/target/lib/*" io.tarn.proxy.bench.ProxyBench [--objects 64] [--size-mib 4] [--threads 1] [--behind mem|dir] [--tls on|off]</pre>
 */
public final class ProxyBench {
    private ProxyBench() {}

    public static void main(String[] args) throws Exception {
        int objects = 64, sizeMib = 4, threads = 1;
        boolean memoryBehind = false, tls = true;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--objects" -> objects = Integer.parseInt(args[i + 1]);
                case "--size-mib" -> sizeMib = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                // The proxy in front of a memory store: its own cost (staging, TLS), without uploads competing for the disk.
                case "--behind" -> memoryBehind = args[i + 1].equals("mem");
                case "--tls" -> tls = !args[i + 1].equals("off");
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("tarn-proxy-bench-");
        byte[][] data = new byte[Math.min(objects, 8)][sizeMib << 20];
        Random r = new Random(1);
        for (byte[] d : data) r.nextBytes(d);
        System.out.printf("%d objects of %d MiB, %d thread(s), proxy %s in front of a %s store, under %s%n", objects, sizeMib, threads,
                tls ? "with TLS 1.3" : "in plain TCP", memoryBehind ? "memory" : "local directory", dir);

        try (ObjectStore direct = new LocalDirObjectStore(dir.resolve("direct"))) {
            run("direct put", direct, objects, threads, data, true);
            run("direct get", direct, objects, threads, data, false);
        }
        var certs = TestCertificates.create(dir.resolve("certs"), List.of("localhost"), "bench", Duration.ofDays(1));
        ProxyServer.Config config = ProxyServer.Config.plain(dir.resolve("proxy-cache")).withRam(0)
                .withSecurity(tls ? Tls.server(certs.serverCert(), certs.serverKey(), null) : null, null, null, false);
        ObjectStore behind = memoryBehind ? new io.tarn.objectstore.MemoryObjectStore() : new LocalDirObjectStore(dir.resolve("behind-proxy"));
        try (ProxyServer proxy = ProxyServer.start(behind, behind.describe(), config);
             RemoteObjectStore client = RemoteObjectStore.connect("localhost:" + proxy.port(),
                     tls ? RpcOptions.defaults().withTls(Tls.client(certs.ca(), null, null)) : RpcOptions.defaults())) {
            long t0 = System.nanoTime();
            run("proxy put (acknowledged when staged)", client, objects, threads, data, true);
            if (!proxy.drain(Duration.ofMinutes(10))) throw new IllegalStateException("uploads did not drain");
            report("proxy put until uploaded", objects, sizeMib, System.nanoTime() - t0);
            run("proxy get (uploaded, no RAM cache)", client, objects, threads, data, false);
        }
    }

    private static void run(String what, ObjectStore store, int objects, int threads, byte[][] data, boolean put) throws Exception {
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < objects; i++) {
                int n = i;
                String key = String.format("bench/blocks/%02x/%016x", n & 0xff, (long) n);
                fs.add(ex.submit(() -> {
                    if (put) store.put(key, ByteBuffer.wrap(data[n % data.length]));
                    else if (store.get(key, 0, -1).orElseThrow().remaining() != data[0].length) throw new IllegalStateException(key);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        report(what, objects, data[0].length >> 20, System.nanoTime() - t0);
    }

    private static void report(String what, int objects, int sizeMib, long nanos) {
        double s = nanos / 1e9;
        System.out.printf("%-40s %7.1f MiB/s  %6.1f ms/object%n", what, objects * (double) sizeMib / s, s * 1000 / objects);
    }
}
