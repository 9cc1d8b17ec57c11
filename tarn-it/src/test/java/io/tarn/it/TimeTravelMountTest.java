package io.tarn.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tarn mount --at} end to end: a live mount writes, overwrites, truncates, renames and deletes
 * over recorded instants; a read-only view mounted beside it at each instant shows the tree recorded
 * then (names, sizes, modes, mtimes, contents by SHA-256) and refuses writes with EROFS. Then fsck finds
 * a block deleted behind Tarn's back and an orphan put behind its back, --repair removes the orphan only,
 * and --verify finds corrupted blocks.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeTravelMountTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir Path tmp;
    private final List<MountedVolume> mounts = new ArrayList<>();

    @AfterEach
    void unmountAll() throws Exception {
        for (MountedVolume m : mounts.reversed()) m.close();
    }

    private MountedVolume mount(Path mp, String... args) throws Exception {
        MountedVolume m = MountedVolume.mount("tt", mp, args);
        mounts.add(m);
        return m;
    }

    @Test
    void viewsAtRecordedInstantsShowThatTreeReadOnly() throws Exception {
        String data = tmp.resolve("data").toString();
        Programs.tarn(T, "volume", "create", "tt", "--block-size", "256K", "--retention", "1d", "--data", data).ok();
        MountedVolume live = mount(tmp.resolve("live"), "--data", data);
        Path root = live.mountpoint;
        Random rnd = new Random(3);

        write(root.resolve("a.bin"), rnd, 700_000);
        Files.createDirectories(root.resolve("d"));
        write(root.resolve("d/b.bin"), rnd, 300_000);
        Files.createSymbolicLink(root.resolve("link"), Path.of("a.bin"));
        Instant i1 = instantAfterChanges();
        TreeMap<String, String> t1 = tree(root);

        write(root.resolve("a.bin"), rnd, 500_000);                     // overwrite
        try (var ch = Files.newByteChannel(root.resolve("d/b.bin"), StandardOpenOption.WRITE)) {
            ch.truncate(100_000);                                        // truncate
        }
        Files.move(root.resolve("d/b.bin"), root.resolve("b-renamed.bin")); // rename
        Files.setPosixFilePermissions(root.resolve("a.bin"), PosixFilePermissions.fromString("rw-------"));
        write(root.resolve("d/c.bin"), rnd, 50_000);
        Instant i2 = instantAfterChanges();
        TreeMap<String, String> t2 = tree(root);

        Files.delete(root.resolve("a.bin"));                             // delete
        Files.delete(root.resolve("link"));
        Files.delete(root.resolve("d/c.bin"));
        TreeMap<String, String> t3 = tree(root);
        assertNotEquals(t1, t2);

        MountedVolume v1 = mount(tmp.resolve("v1"), "--data", data, "--at", i1.toString());
        MountedVolume v2 = mount(tmp.resolve("v2"), "--data", data, "--at", i2.toString());
        assertEquals(t1, tree(v1.mountpoint));
        assertEquals(t2, tree(v2.mountpoint));
        IOException refused = assertThrows(IOException.class, () -> Files.writeString(v1.mountpoint.resolve("new"), "x"));
        assertTrue(String.valueOf(refused.getMessage()).contains("Read-only"), refused.toString());
        assertThrows(IOException.class, () -> Files.delete(v2.mountpoint.resolve("a.bin")));
        // The live mount keeps working meanwhile, and the views do not follow it.
        write(root.resolve("after.bin"), rnd, 10_000);
        assertTrue(Files.exists(root.resolve("after.bin")));
        assertEquals(t1, tree(v1.mountpoint));
        assertEquals(t3.size() + 1, tree(root).size());

        Files.createDirectories(tmp.resolve("v3"));
        Programs.Result outside = Programs.tarn(T, "mount", "--foreground", "--data", data, "--at", "2000-01-01T00:00:00Z",
                "tt", tmp.resolve("v3").toString());
        assertNotEquals(0, outside.exit());
        assertTrue(outside.err().contains("oldest instant available is"), outside.out() + outside.err());

        for (MountedVolume m : mounts.reversed()) m.close();
        mounts.clear();

        // fsck: a block deleted behind Tarn's back, and an orphan object put behind its back.
        String info = Programs.tarn(T, "volume", "info", "tt", "--data", data).ok().out();
        assertTrue(info.contains("history:"), info);
        String uuid = info.lines().filter(l -> l.startsWith("uuid:")).findFirst().orElseThrow().substring(5).trim();
        Path blocks = Path.of(data, "objects", uuid, "blocks");
        Programs.Result clean = Programs.tarn(T, "fsck", "tt", "--verify", "--data", data);
        assertEquals(0, clean.exit(), clean.out() + clean.err());
        Path victim;
        try (Stream<Path> s = Files.walk(blocks)) {
            victim = s.filter(Files::isRegularFile).sorted().toList().getLast();
        }
        Files.delete(victim);
        Path orphan = blocks.resolve("ff").resolve("7fffffffffffffff");
        Files.createDirectories(orphan.getParent());
        Files.write(orphan, new byte[1234]);
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
        Programs.Result fsck = Programs.tarn(T, "fsck", "tt", "--data", data);
        assertEquals(1, fsck.exit(), fsck.out() + fsck.err());
        assertTrue(fsck.out().contains("MISSING   " + uuid + "/blocks/" + blocks.relativize(victim)), fsck.out());
        assertTrue(fsck.out().contains("LEAKED    " + uuid + "/blocks/ff/7fffffffffffffff"), fsck.out());
        Programs.Result repair = Programs.tarn(T, "fsck", "tt", "--repair", "--data", data);
        assertEquals(1, repair.exit(), "the missing block is still missing: " + repair.out());
        assertTrue(Files.notExists(orphan));
        assertTrue(Files.notExists(victim), "repair never recreates or deletes referenced blocks");
        Programs.Result gc = Programs.tarn(T, "gc", "tt", "--dry-run", "--data", data).ok();
        assertTrue(gc.out().contains("total:"), gc.out());

        // --verify decodes every live block against the block map's checksum: flip one byte in each object.
        try (Stream<Path> s = Files.walk(blocks)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                bytes[bytes.length - 1] ^= 1;
                Files.write(f, bytes);
            }
        }
        Programs.Result corrupt = Programs.tarn(T, "fsck", "tt", "--verify", "--data", data);
        assertEquals(1, corrupt.exit(), corrupt.out());
        assertTrue(corrupt.out().contains("CORRUPT   " + uuid + "/blocks/"), corrupt.out());
    }

    private static void write(Path p, Random rnd, int size) throws IOException {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        Files.write(p, b);
    }

    /** The first whole second after every change so far; returns once the clock has passed it. */
    private static Instant instantAfterChanges() {
        Instant at = Instant.now().plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        while (!Instant.now().isAfter(at.plusMillis(50))) LockSupport.parkNanos(5_000_000);
        return at;
    }

    /** path -> type, mode, size, mtime (s), SHA-256 of the contents or the link target. */
    private static TreeMap<String, String> tree(Path root) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(x -> !x.equals(root)).toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } else {
                    byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                    out.put(rel, "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " " + Files.size(p)
                            + " " + Files.getLastModifiedTime(p).toMillis() / 1000 + " " + HexFormat.of().formatHex(sha));
                }
            }
        }
        return out;
    }
}
