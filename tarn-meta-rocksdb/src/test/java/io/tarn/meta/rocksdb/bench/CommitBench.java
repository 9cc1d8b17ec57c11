package io.tarn.meta.rocksdb.bench;

import io.tarn.meta.rocksdb.RocksDbKvStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Durable commit latency and throughput of {@link RocksDbKvStore} with 1, 8 and 32 committing
 * threads, next to the raw fsync latency of the same disk. Usage: CommitBench DIR [commitsPerThread].
 */
public final class CommitBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int perThread = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        System.out.println("raw fsync (4 KiB append + force): " + rawFsync(dir.resolve("fsync-probe"), 300).summary());
        for (int threads : new int[]{1, 8, 32}) {
            Path db = dir.resolve("db-" + threads);
            try (RocksDbKvStore kv = RocksDbKvStore.open(db)) {
                run(kv, 1, 50); // warm-up
                long syncs0 = kv.walSyncs();
                Percentiles p = new Percentiles();
                long t0 = System.nanoTime();
                Percentiles[] each = run(kv, threads, threads == 1 ? perThread * 2 : perThread);
                long elapsed = System.nanoTime() - t0;
                long total = 0;
                for (Percentiles e : each) p.addAll(e);
                total = (long) threads * (threads == 1 ? perThread * 2 : perThread);
                System.out.printf("threads=%d commits=%d %.0f commits/s, %.1f commits per WAL sync, latency %s%n",
                        threads, total, total / (elapsed / 1e9), total / (double) (kv.walSyncs() - syncs0), p.summary());
            }
        }
    }

    private static Percentiles[] run(RocksDbKvStore kv, int threads, int commits) throws InterruptedException {
        Percentiles[] out = new Percentiles[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Percentiles p = out[t] = new Percentiles();
            int me = t;
            ts.add(Thread.ofPlatform().start(() -> {
                byte[] value = new byte[100];
                for (int i = 0; i < commits; i++) {
                    ThreadLocalRandom.current().nextBytes(value);
                    byte[] key = ByteBuffer.allocate(12).putInt(me).putLong(i).array();
                    long s = System.nanoTime();
                    kv.write(w -> {
                        w.put(key, value);
                        return null;
                    });
                    p.add(System.nanoTime() - s);
                }
            }));
        }
        for (Thread t : ts) t.join();
        return out;
    }

    private static Percentiles rawFsync(Path file, int n) throws IOException {
        Percentiles p = new Percentiles();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < n; i++) {
                block.clear();
                long s = System.nanoTime();
                ch.write(block);
                ch.force(false);
                p.add(System.nanoTime() - s);
            }
        }
        Files.deleteIfExists(file);
        return p;
    }
}
