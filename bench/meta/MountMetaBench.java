import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Metadata latency through a mount, as an application sees it: ops/s and p50/p99/max of create,
 * lookup, getattr and rename, one caller. The counterpart of tarn-server's MetaBenchmark (RPC level).
 * Needs the same directory of one volume on two mounts, {@code --dir} and {@code --other}, so that
 * the second mount's kernel has never seen the names (bench/meta/mount-bench.sh sets that up).
 *
 * <ul>
 *   <li>create: {@code open(O_CREAT|O_EXCL|O_WRONLY)} + {@code close} on --dir (FUSE CREATE, FLUSH, RELEASE);</li>
 *   <li>lookup: {@code stat} of a name the other mount has never seen (one FUSE LOOKUP);</li>
 *   <li>getattr: {@code fstat} of an open file whose cached attributes have expired (one FUSE GETATTR;
 *       the kernel caches attributes for 1 s, so files are opened in batches and measured 1.1 s later);</li>
 *   <li>rename: {@code rename(2)} to a new name in the same directory on --dir (FUSE RENAME, plus the
 *       LOOKUP of the new name and the revalidation of the old one when its entry has expired).</li>
 * </ul>
 * Run: {@code java MountMetaBench.java --dir MNT_A/sub --other MNT_B/sub [--ops 10000]}.
 */
public final class MountMetaBench {
    record Result(String op, int ops, double opsPerSecond, long p50, long p99, long max) {
        @Override
        public String toString() {
            return String.format("%-10s %7d ops %9.0f ops/s   p50 %8.1f us   p99 %8.1f us   max %9.1f us",
                    op, ops, opsPerSecond, p50 / 1e3, p99 / 1e3, max / 1e3);
        }
    }

    interface Op {
        void run(int i) throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Path dir = null, other = null;
        int ops = 10_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--other" -> other = Path.of(args[++i]);
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (dir == null || other == null) throw new IllegalArgumentException("usage: MountMetaBench --dir A --other B [--ops N]");
        Path a = Files.createDirectories(dir), b = other;
        warmUp(a.resolve("warm"), Math.min(ops, 2000));

        Path da = Files.createDirectory(a.resolve("m")), db = b.resolve("m");
        int n = ops;
        List<Result> results = new ArrayList<>();
        results.add(measure("create", n, i -> FileChannel.open(da.resolve("f" + i), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE).close()));
        int[] shuffled = shuffle(n);
        results.add(measure("lookup", n, i -> Files.readAttributes(db.resolve("f" + shuffled[i]), BasicFileAttributes.class)));
        results.add(getattr(db, n));
        results.add(measure("rename", n, i -> Files.move(da.resolve("f" + i), da.resolve("r" + i))));
        System.out.println("through the mount, one caller (" + dir + "):");
        results.forEach(System.out::println);
    }

    /** Measures fstat on open files whose attributes have expired: batches opened, then measured 1.1 s later. */
    private static Result getattr(Path dir, int n) throws Exception {
        int batch = 1000;
        long[] lat = new long[n];
        long total = 0;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            List<FileChannel> open = new ArrayList<>();
            try {
                for (int i = from; i < to; i++) open.add(FileChannel.open(dir.resolve("f" + i), StandardOpenOption.READ));
                Thread.sleep(1100); // the kernel caches attributes for 1 s: let them expire
                for (int i = from; i < to; i++) {
                    long t0 = System.nanoTime();
                    open.get(i - from).size(); // fstat
                    lat[i] = System.nanoTime() - t0;
                    total += lat[i];
                }
            } finally {
                for (FileChannel c : open) c.close();
            }
        }
        return result("getattr", lat, total);
    }

    /** 0..n-1 in a fixed random order. */
    private static int[] shuffle(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static void warmUp(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve("w" + i);
            FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            Files.readAttributes(f, BasicFileAttributes.class);
            Files.move(f, dir.resolve("x" + i));
            Files.delete(dir.resolve("x" + i));
        }
    }

    private static Result measure(String name, int n, Op op) throws IOException {
        long[] lat = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            op.run(i);
            lat[i] = System.nanoTime() - t0;
        }
        return result(name, lat, System.nanoTime() - start);
    }

    private static Result result(String name, long[] lat, long elapsedNanos) {
        long[] s = lat.clone();
        Arrays.sort(s);
        return new Result(name, s.length, s.length / (elapsedNanos / 1e9), s[s.length / 2], s[(int) (s.length * 0.99)], s[s.length - 1]);
    }
}
