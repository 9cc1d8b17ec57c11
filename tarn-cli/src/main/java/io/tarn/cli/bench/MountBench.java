package io.tarn.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The phases of {@code tarn bench}, run in a fresh directory under the given path and removed at the end.
 * Big files: one per thread, written in {@code ioSize} pieces and fsynced before close (so the time
 * covers durability), then read back. Small files: created, written and closed; read; stat'ed; listed
 * with attributes (what {@code ls -l} does); deleted. Data is random (incompressible).
 */
public final class MountBench {
    /** What to run. {@code dropCaches}: write /proc/sys/vm/drop_caches before reads (root only; else ignored). */
    public record Plan(long bigSize, int ioSize, int smallFiles, int smallSize, int threads, boolean dropCaches) {}

    private MountBench() {}

    public static List<Phase> run(Path where, Plan plan, Consumer<Phase> report) throws Exception {
        Path dir = where.resolve(".tarn-bench-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(dir);
        byte[] random = new byte[Math.max(plan.ioSize(), plan.smallSize())];
        new Random(42).nextBytes(random);
        List<Phase> out = new ArrayList<>();
        Consumer<Phase> keep = p -> {
            out.add(p);
            report.accept(p);
        };
        int t = plan.threads();
        Path small = dir.resolve("small");
        Files.createDirectory(small);
        try (ExecutorService pool = Executors.newFixedThreadPool(t)) {
            if (plan.bigSize() > 0) {
                long pieces = (plan.bigSize() + plan.ioSize() - 1) / plan.ioSize();
                keep.accept(parallel(pool, "big write", "MiB", t, pieces * t, plan.bigSize() * t, (worker, lat, bytes) -> {
                    Path f = dir.resolve("big-" + worker);
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        ByteBuffer b = ByteBuffer.allocateDirect(plan.ioSize());
                        for (long off = 0; off < plan.bigSize(); off += plan.ioSize()) {
                            b.clear();
                            b.put(random, 0, (int) Math.min(plan.ioSize(), plan.bigSize() - off)).flip();
                            long s = System.nanoTime();
                            while (b.hasRemaining()) ch.write(b);
                            lat.add(System.nanoTime() - s);
                        }
                        long s = System.nanoTime();
                        ch.force(true);
                        lat.add(System.nanoTime() - s);
                    }
                }));
                dropCaches(plan);
                keep.accept(parallel(pool, "big read", "MiB", t, pieces * t, plan.bigSize() * t, (worker, lat, bytes) -> {
                    try (FileChannel ch = FileChannel.open(dir.resolve("big-" + worker), StandardOpenOption.READ)) {
                        ByteBuffer b = ByteBuffer.allocateDirect(plan.ioSize());
                        while (true) {
                            b.clear();
                            long s = System.nanoTime();
                            int n = ch.read(b);
                            if (n < 0) break;
                            lat.add(System.nanoTime() - s);
                        }
                    }
                }));
            }
            if (plan.smallFiles() > 0) {
                int per = (plan.smallFiles() + t - 1) / t;
                long files = (long) per * t, bytes = files * plan.smallSize();
                keep.accept(parallel(pool, "small write", "files", t, files, bytes, (worker, lat, b) -> {
                    ByteBuffer data = ByteBuffer.allocateDirect(plan.smallSize());
                    for (int i = 0; i < per; i++) {
                        data.clear();
                        data.put(random, (i * 31) % Math.max(1, random.length - plan.smallSize() + 1), plan.smallSize()).flip();
                        long s = System.nanoTime();
                        try (FileChannel ch = FileChannel.open(small.resolve(name(worker, i)), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                            while (data.hasRemaining()) ch.write(data);
                        }
                        lat.add(System.nanoTime() - s);
                    }
                }));
                dropCaches(plan);
                keep.accept(parallel(pool, "small read", "files", t, files, bytes, (worker, lat, b) -> {
                    ByteBuffer data = ByteBuffer.allocateDirect(plan.smallSize() + 1);
                    for (int i = 0; i < per; i++) {
                        data.clear();
                        long s = System.nanoTime();
                        try (FileChannel ch = FileChannel.open(small.resolve(name(worker, i)), StandardOpenOption.READ)) {
                            while (ch.read(data) > 0) {
                                if (!data.hasRemaining()) break;
                            }
                        }
                        lat.add(System.nanoTime() - s);
                    }
                }));
                keep.accept(parallel(pool, "small stat", "files", t, files, 0, (worker, lat, b) -> {
                    for (int i = 0; i < per; i++) {
                        long s = System.nanoTime();
                        Files.readAttributes(small.resolve(name(worker, i)), BasicFileAttributes.class);
                        lat.add(System.nanoTime() - s);
                    }
                }));
                keep.accept(parallel(pool, "list -l", "entries", 1, files, 0, (worker, lat, b) -> {
                    long n = 0;
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(small)) {
                        for (Path p : ds) {
                            long s = System.nanoTime();
                            Files.readAttributes(p, BasicFileAttributes.class);
                            lat.add(System.nanoTime() - s);
                            n++;
                        }
                    }
                    if (n != files) throw new IllegalStateException("listed " + n + " of " + files + " files");
                }));
                keep.accept(parallel(pool, "small delete", "files", t, files, 0, (worker, lat, b) -> {
                    for (int i = 0; i < per; i++) {
                        long s = System.nanoTime();
                        Files.delete(small.resolve(name(worker, i)));
                        lat.add(System.nanoTime() - s);
                    }
                }));
            }
        } finally {
            clean(dir);
        }
        return out;
    }

    private static String name(int worker, int i) {
        return "w" + worker + "-" + i;
    }

    interface Work {
        void run(int worker, Timings latencies, AtomicLong bytes) throws IOException;
    }

    private static Phase parallel(ExecutorService pool, String name, String unit, int workers, long ops, long bytes, Work work) throws Exception {
        Timings lat = new Timings();
        AtomicLong moved = new AtomicLong();
        long start = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            fs.add(pool.submit(() -> {
                work.run(worker, lat, moved);
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        return new Phase(name, unit, ops, bytes, System.nanoTime() - start, lat);
    }

    private static void dropCaches(Plan plan) {
        if (!plan.dropCaches()) return;
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
        } catch (IOException | SecurityException e) {
            // Not root, or in a container that forbids it: reads may come from the page cache then.
        }
    }

    private static void clean(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
