package io.tarn.meta.rocksdb.bench;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.rocksdb.RocksDbKvStore;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Single-threaded p50/p99 of getattr, lookup, create and rename through {@link LocalMetaService} on
 * RocksDB, in a directory of {@code files} entries. Usage: MetaBench DIR [files] [ops] [retentionSeconds].
 */
public final class MetaBench {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int ops = args.length > 2 ? Integer.parseInt(args[2]) : 3_000;
        // Retention 0 turns the history journal off; the default (7 days) measures it.
        long retention = args.length > 3 ? Long.parseLong(args[3]) : VolumeSpec.DEFAULT_RETENTION_SECONDS;
        try (LocalMetaService meta = new LocalMetaService(RocksDbKvStore.open(dir))) {
            meta.createVolume(new VolumeSpec("bench", "mem://bench", VolumeSpec.DEFAULT_BLOCK_SIZE, "none", retention));
            SessionInfo s = meta.openSession("bench", "bench");
            Ctx ctx = new Ctx(s.session(), 0, Caller.ROOT);
            long root = s.volume().rootIno();
            long d = meta.mkdir(ctx, root, "d", 0755).ino();
            long t0 = System.nanoTime();
            long[] inos = new long[files];
            for (int i = 0; i < files; i++) {
                if (i % 500 == 0) meta.heartbeat(s.session());
                inos[i] = meta.mknod(ctx, d, "f" + i, 0100644, 0).ino();
            }
            System.out.printf("populate: %d mknod in %.1f s%n", files, (System.nanoTime() - t0) / 1e9);
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int round = 0; round < 2; round++) { // round 0 warms up the JIT
                Percentiles getattr = new Percentiles(), lookup = new Percentiles(),
                        create = new Percentiles(), rename = new Percentiles();
                for (int i = 0; i < ops; i++) {
                    if (i % 500 == 0) meta.heartbeat(s.session()); // a long run outlives the session timeout
                    long ino = inos[rnd.nextInt(files)];
                    long s0 = System.nanoTime();
                    meta.getAttr(ctx, ino);
                    getattr.add(System.nanoTime() - s0);
                    String name = "f" + rnd.nextInt(files);
                    s0 = System.nanoTime();
                    meta.lookup(ctx, d, name);
                    lookup.add(System.nanoTime() - s0);
                    String fresh = "n" + round + "-" + i;
                    s0 = System.nanoTime();
                    long created = meta.create(ctx, d, fresh, 0644, 2).ino();
                    create.add(System.nanoTime() - s0);
                    meta.release(ctx, created);
                    s0 = System.nanoTime();
                    meta.rename(ctx, d, fresh, d, "r" + round + "-" + i, 0);
                    rename.add(System.nanoTime() - s0);
                }
                if (round == 1) {
                    System.out.println("getattr " + getattr.summary());
                    System.out.println("lookup  " + lookup.summary());
                    System.out.println("create  " + create.summary());
                    System.out.println("rename  " + rename.summary());
                }
            }
            meta.heartbeat(s.session());
            concurrentCreates(meta, ctx, root, 8, ops / 8);
        }
    }

    /** {@code threads} threads each creating files in a directory of their own; group commit at work. */
    private static void concurrentCreates(LocalMetaService meta, Ctx ctx, long root, int threads, int each) {
        Percentiles all = new Percentiles();
        java.util.List<Thread> ts = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            long dir = meta.mkdir(ctx, root, "par" + t, 0755).ino();
            ts.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    long s0 = System.nanoTime();
                    long ino = meta.create(ctx, dir, "f" + i, 0644, 2).ino();
                    all.add(System.nanoTime() - s0);
                    meta.release(ctx, ino);
                }
            }));
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("create x%d threads: %.0f creates/s (each also a release) %s%n", threads,
                threads * each / secs, all.summary());
    }
}
