package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Many operations (create, link, rename, unlink, truncate, write, setxattr, chmod, mkdir, rmdir) from
 * several threads at once against the mount, each thread repeating every operation on a local
 * directory with the same seed. Each thread owns a subtree, so the outcome is deterministic: every
 * call must fail or succeed the same way on both, and the trees must end the same (names, types,
 * sizes, modes, link counts, xattrs, content hashes).
 */
class ConformanceRandomizedTest extends Conformance {
    private static final int THREADS = 4, OPS = 400;
    private static final long SEED = Long.getLong("tarn.random.seed", 20261126L);
    private static final String[] DIRS = {"", "a/", "b/", "a/c/"};
    private static final String[] PERMS = {"rw-r--r--", "rw-------", "rwxr-xr-x", "r--r--r--"};

    @Test
    void concurrentRandomOperationsEndAsOnTheLocalFileSystem() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                runs.add(pool.submit(() -> run(id)));
            }
            int succeeded = 0;
            for (Future<List<String>> f : runs) {
                List<String> outcomes = f.get();
                succeeded += (int) outcomes.stream().filter(o -> o.endsWith("ok")).count();
            }
            assertTrue(succeeded > THREADS * OPS / 4, "too few operations succeeded to mean anything: " + succeeded);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(tree(ref.resolve("random")), tree(mnt.resolve("random")), "seed " + SEED);
    }

    /** One thread: the same random operation on the local tree, then on the mount; outcomes must agree. */
    private List<String> run(int id) throws IOException {
        Path localRoot = Files.createDirectories(ref.resolve("random").resolve("t" + id));
        Path tarnRoot = Files.createDirectories(mnt.resolve("random").resolve("t" + id));
        Random r = new Random(SEED * 31 + id);
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < OPS; i++) {
            long opSeed = r.nextLong();
            String local = apply(localRoot, new Random(opSeed));
            String tarn = apply(tarnRoot, new Random(opSeed));
            assertEquals(local, tarn, "thread " + id + " op " + i + " (seed " + SEED + ")");
            outcomes.add(tarn);
        }
        return outcomes;
    }

    private static String path(Random r) {
        return DIRS[r.nextInt(DIRS.length)] + "n" + r.nextInt(5);
    }

    /** One operation chosen and parameterised by {@code r}; returns what it was and how it ended. */
    private static String apply(Path root, Random r) {
        int op = r.nextInt(11);
        Path p = root.resolve(path(r)), q = root.resolve(path(r));
        String what = op + " " + root.relativize(p) + " " + root.relativize(q);
        try {
            switch (op) {
                case 0, 1 -> { // create or overwrite
                    byte[] data = new byte[r.nextInt(3) == 0 ? r.nextInt(300_000) : r.nextInt(5000)];
                    r.nextBytes(data);
                    Files.write(p, data);
                }
                case 2 -> Files.createLink(q, p);
                case 3 -> Files.move(p, q, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                case 4 -> Files.delete(p);
                case 5 -> {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        long size = r.nextInt(400_000);
                        if (size < ch.size()) ch.truncate(size);
                        else ch.write(ByteBuffer.allocate(1), Math.max(0, size - 1));
                    }
                }
                case 6 -> {
                    byte[] data = new byte[1 + r.nextInt(20_000)];
                    r.nextBytes(data);
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(data), r.nextInt(300_000));
                    }
                }
                case 7 -> Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .write("k" + r.nextInt(3), ByteBuffer.wrap(("v" + r.nextInt(1000)).getBytes()));
                case 8 -> Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(PERMS[r.nextInt(PERMS.length)]));
                case 9 -> Files.createDirectories(p.getParent()).resolve(p.getFileName());
                default -> {
                    if (r.nextBoolean()) Files.createDirectory(p);
                    else Files.delete(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? p : p.getParent());
                }
            }
            return what + " ok";
        } catch (FileSystemException e) {
            return what + " " + e.getClass().getSimpleName() + ":" + e.getReason();
        } catch (IOException e) {
            return what + " " + e.getClass().getSimpleName();
        }
    }

    /** Every entry below {@code root}: type, size, mode, link count, xattrs and a content hash. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,nlink,size,isDirectory,isRegularFile", LinkOption.NOFOLLOW_LINKS);
                boolean dir = (Boolean) a.get("isDirectory");
                StringBuilder b = new StringBuilder();
                b.append(dir ? "dir" : "file").append(" mode=").append(Integer.toOctalString((Integer) a.get("mode")));
                b.append(" nlink=").append(a.get("nlink"));
                if (!dir) b.append(" size=").append(a.get("size")).append(" sha=").append(sha(p));
                UserDefinedFileAttributeView x = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                for (String n : new java.util.TreeSet<>(x.list())) {
                    ByteBuffer v = ByteBuffer.allocate(x.size(n));
                    x.read(n, v);
                    b.append(" ").append(n).append("=").append(new String(v.array()));
                }
                out.put(root.relativize(p).toString(), b.toString());
            }
        }
        return out;
    }

    private static String sha(Path p) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(d.digest(Files.readAllBytes(p))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
