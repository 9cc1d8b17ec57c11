package io.tarn.server.bench;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.rocksdb.RocksDbCheckpoints;
import io.tarn.meta.rocksdb.RocksDbKvStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of ADR 0080, in process over RocksDB (WAL synced per commit, group commit):
 * <ol>
 * <li>create + commit-a-block ops/s with history on (retention 7 d) versus off (retention 0);</li>
 * <li>time to open a view of a volume of N files: from a checkpoint taken after the files plus a
 *     replay of M later mutations, and from the volume's creation (replaying everything);</li>
 * <li>metadata read throughput of a view versus the live volume: readdir pages + lookup + blocks of every file.</li>
 * </ol>
 * <pre>java ... io.tarn.server.bench.TimeTravelBenchmark [--files N] [--after M] [--threads T] [--ops K] DIR</pre>
 */
public final class TimeTravelBenchmark {
    private TimeTravelBenchmark() {}

    public static void main(String[] args) throws Exception {
        int files = 1_000_000, after = 10_000, threads = 16, ops = 20_000;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--files" -> files = Integer.parseInt(args[++i]);
                case "--after" -> after = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                default -> dir = Path.of(args[i]);
            }
        }
        if (dir == null) dir = Files.createTempDirectory("tarn-tt-bench");
        RocksDbKvStore kv = RocksDbKvStore.open(dir.resolve("meta"));
        try (LocalMetaService meta = new LocalMetaService(kv, Clock.systemUTC(), Duration.ofHours(1),
                new RocksDbCheckpoints(kv, dir.resolve("meta.checkpoints")))) {
            meta.setCheckpointInterval(Duration.ofDays(365)); // only the checkpoints this benchmark takes
            for (int round = 0; round < 2; round++) {
                for (long retention : new long[]{0, 7 * 86400}) {
                    String name = "w" + retention + "-" + round;
                    meta.createVolume(new VolumeSpec(name, "mem://" + name, VolumeSpec.MIN_BLOCK_SIZE, "none", retention));
                    System.out.printf("writes, history %-4s threads %2d: %,.0f ops/s (create + commit one block)%n",
                            retention == 0 ? "off" : "on", threads, writes(meta, name, ops, threads));
                }
            }

            meta.createVolume(new VolumeSpec("big", "mem://big", VolumeSpec.MIN_BLOCK_SIZE, "none", 7 * 86400));
            long t0 = System.nanoTime();
            fill(meta, "big", files, threads);
            System.out.printf("built %,d files in %.1f s%n", files, (System.nanoTime() - t0) / 1e9);
            long beforeCheckpoint = nowNs();
            while (nowNs() <= beforeCheckpoint + 1_000_000_000L) Thread.onSpinWait();
            t0 = System.nanoTime();
            meta.checkpoint();
            System.out.printf("checkpoint: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            SessionInfo s = meta.openSession("big", "after");
            Ctx c = new Ctx(s.session(), 0, Caller.ROOT);
            long d = meta.mkdir(c, 1, "after", 0755).ino();
            for (int i = 0; i < after; i++) meta.create(c, d, "a" + i, 0644, 0);
            long at = nowNs();

            t0 = System.nanoTime();
            SessionInfo view = meta.openSession("big", "view", at);
            System.out.printf("open a view of %,d files, checkpoint + %,d records: %.0f ms%n", files, after + 1, (System.nanoTime() - t0) / 1e6);
            Ctx v = new Ctx(view.session(), 0, Caller.ROOT);
            read(meta, c, "live");
            read(meta, v, "view");
            meta.closeSession(view.session());

            t0 = System.nanoTime();
            SessionInfo genesis = meta.openSession("big", "genesis", beforeCheckpoint);
            System.out.printf("open a view of %,d files from the volume's creation (no checkpoint before it): %.0f ms%n", files,
                    (System.nanoTime() - t0) / 1e6);
            meta.closeSession(genesis.session());
        }
    }

    private static long nowNs() {
        var i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static double writes(LocalMetaService meta, String volume, int ops, int threads) throws Exception {
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime();
        run(threads, t -> {
            Ctx c = new Ctx(meta.openSession(volume, "w" + t).session(), 0, Caller.ROOT);
            long dir = meta.mkdir(c, 1, "t" + t, 0755).ino();
            for (long i; (i = next.getAndIncrement()) < ops; ) {
                Attr f = meta.create(c, dir, "f" + i, 0644, 0);
                long id = meta.reserveBlockIds(c, 1);
                meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, id, 4096, 4096, 1)), 4096, 0);
                meta.release(c, f.ino());
            }
        });
        return ops / ((System.nanoTime() - t0) / 1e9);
    }

    private static void fill(LocalMetaService meta, String volume, int files, int threads) throws Exception {
        AtomicLong next = new AtomicLong();
        run(threads, t -> {
            Ctx c = new Ctx(meta.openSession(volume, "fill" + t).session(), 0, Caller.ROOT);
            long dir = meta.mkdir(c, 1, "d" + t, 0755).ino();
            for (long i; (i = next.getAndIncrement()) < files; ) {
                Attr f = meta.create(c, dir, "f" + i, 0644, 0);
                meta.release(c, f.ino());
            }
        });
    }

    /** Lists every directory under the root, looks every file up and reads its block map. */
    private static void read(LocalMetaService meta, Ctx c, String label) {
        long t0 = System.nanoTime(), n = 0;
        for (String dir : names(meta, c, 1)) {
            long d = meta.lookup(c, 1, dir).ino();
            for (String f : names(meta, c, d)) {
                Attr a = meta.lookup(c, d, f);
                meta.blocks(c, a.ino(), 0, 16);
                n++;
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %,d files listed, looked up and block maps read in %.1f s: %,.0f files/s%n", label, n, s, n / s);
    }

    private static List<String> names(LocalMetaService meta, Ctx c, long dir) {
        List<String> out = new ArrayList<>();
        String after = null;
        while (true) {
            DirPage p = meta.readDir(c, dir, after, 1000, false);
            for (DirEntry e : p.entries()) out.add(e.name());
            if (!p.more() || p.entries().isEmpty()) return out;
            after = p.entries().getLast().name();
        }
    }

    private interface Worker {
        void run(int thread) throws Exception;
    }

    private static void run(int threads, Worker w) throws Exception {
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    w.run(id);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : ts) t.join();
        if (!failures.isEmpty()) throw new RuntimeException(failures.getFirst());
    }
}
