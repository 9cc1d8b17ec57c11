package io.tarn.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tarn gc} and {@code tarn fsck} where the metadata is not in the command's process (ADR 0081):
 * against {@code tarn meta} running as a separate process ({@code --meta}), and against a data folder a
 * running mount daemon holds ({@code --data}, through the daemon's endpoint). Continuous GC is off in
 * those processes ({@code TARN_GC_PERIOD=0}) so what one {@code tarn gc} does is what the test sees.
 * GC frees expired garbage (the store ends with exactly the live blocks) and never what the live volume,
 * an open view or a writer running during the collection can reach (checked by reading everything
 * through fresh mounts after); fsck finds an object deleted and an orphan put behind Tarn's back, exits 1,
 * and --repair removes the orphan only.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GcFsckEndToEndTest {
    private static final Duration T = Duration.ofSeconds(90);
    private static final Map<String, String> NO_BACKGROUND_GC = Map.of("TARN_GC_PERIOD", "0");
    private static final Pattern FSCK = Pattern.compile(
            "fsck \\S+: (\\d+) live blocks, (\\d+) held for time travel, (\\d+) objects; missing (\\d+) \\(\\+(\\d+) of history\\), "
                    + "corrupt (\\d+), leaked (\\d+), pending (\\d+), removed (\\d+)");
    private static final Pattern FREED = Pattern.compile("freed on \\S+: (\\d+) expired objects \\([^)]*\\), (\\d+) leaked uploads");

    @TempDir Path tmp;
    private final List<MountedVolume> mounts = new ArrayList<>();
    private MetaServerProcess server;
    private final Random rnd = new Random(11);

    @AfterEach
    void stopAll() throws Exception {
        try {
            for (MountedVolume m : mounts.reversed()) m.close();
        } finally {
            if (server != null) server.close();
        }
    }

    private MountedVolume mount(String volume, Path mp, String... args) throws Exception {
        MountedVolume m = MountedVolume.mount(NO_BACKGROUND_GC, volume, mp, args);
        mounts.add(m);
        return m;
    }

    private void unmount(MountedVolume m) throws Exception {
        m.close();
        mounts.remove(m);
    }

    @Test
    void gcAndFsckAgainstASeparateMetadataServerWithAViewOpen() throws Exception {
        server = MetaServerProcess.start(tmp.resolve("meta"), NO_BACKGROUND_GC);
        String[] meta = {"--meta", server.address()};
        Path objects = tmp.resolve("objects");
        Programs.tarn(T, args(meta, "volume", "create", "v", "--block-size", "256K", "--retention", "1d",
                "--store", objects.toUri().toString())).ok();
        MountedVolume live = mount("v", tmp.resolve("live"), meta);
        Path root = live.mountpoint;
        write(root.resolve("keep.bin"), 600_000);
        write(root.resolve("over.bin"), 600_000);
        write(root.resolve("del.bin"), 600_000);
        Instant at = instantAfterChanges();
        TreeMap<String, String> then = hashes(root);

        write(root.resolve("over.bin"), 500_000);       // 3 blocks replaced or truncated away
        Files.delete(root.resolve("del.bin"));          // 3 blocks of a deleted file
        write(root.resolve("victim.bin"), 5000);        // written last: its block has the highest id; past the inline limit, it has an object
        Instant lastChange = Instant.now();
        TreeMap<String, String> now = hashes(root);

        MountedVolume view = mount("v", tmp.resolve("view"), args(meta, "--at", at.toString()));
        // Everything that left the live volume is now older than the window, except for the view.
        Programs.tarn(T, args(meta, "volume", "set", "v", "--retention", "2s")).ok();
        awaitPast(lastChange.plusSeconds(3));

        Programs.Result heldByView = Programs.tarn(T, args(meta, "gc", "v")).ok();
        assertTrue(heldByView.err().contains("expired garbage: "), "progress on stderr: " + heldByView.err());
        assertEquals(then, hashes(view.mountpoint), "the view reads the whole tree of its instant after GC");
        unmount(view);

        Programs.Result gc = Programs.tarn(T, args(meta, "gc", "v")).ok();
        assertTrue(freed(gc)[0] >= 6, "the 6 blocks only the view held are freed now: " + gc.out());
        assertTrue(gc.out().contains("total: "), gc.out());
        int[] clean = fsckOk(Programs.tarn(T, args(meta, "fsck", "v", "--verify")));
        assertEquals(0, clean[1], "nothing is held for time travel any more");
        assertEquals(clean[0], clean[2], "the store holds exactly the live blocks");

        String uuid = uuid(meta);
        damageAndCheck(objects.resolve(uuid).resolve("blocks"), uuid, meta);
        unmount(live);
        checkAfterDamage(mount("v", tmp.resolve("fresh"), meta).mountpoint, now);
    }

    @Test
    void gcAndFsckThroughTheDaemonThatHoldsTheDataFolder() throws Exception {
        String data = tmp.resolve("data").toString();
        String[] meta = {"--data", data};
        Programs.tarn(T, args(meta, "volume", "create", "tt", "--block-size", "256K", "--retention", "2s")).ok();
        MountedVolume live = mount("tt", tmp.resolve("live"), meta);
        Path root = live.mountpoint;
        write(root.resolve("keep.bin"), 600_000);
        write(root.resolve("over.bin"), 600_000);
        write(root.resolve("del.bin"), 600_000);
        write(root.resolve("over.bin"), 500_000);
        Files.delete(root.resolve("del.bin"));
        awaitPast(Instant.now().plusSeconds(3));

        // A writer keeps adding files while the collection runs: its uploads are referenced or young, never freed.
        Map<String, String> written = new ConcurrentHashMap<>();
        Programs.Result gc;
        try (TimedLoop writer = TimedLoop.start("writer", i -> {
            Path p = root.resolve("w" + i + ".bin");
            byte[] b = bytes(new Random(i), 300_000);
            Files.write(p, b);
            written.put(p.getFileName().toString(), sha(b));
        })) {
            writer.awaitCount(1, T);
            gc = Programs.tarn(T, args(meta, "gc", "tt")).ok();
            writer.stop(T);
        }
        assertTrue(freed(gc)[0] >= 6, gc.out());
        assertTrue(gc.err().contains("listing the store: "), "progress on stderr: " + gc.err());
        write(root.resolve("victim.bin"), 5000);
        TreeMap<String, String> now = hashes(root);
        written.forEach((name, sha) -> assertEquals(sha, now.get(name).substring(now.get(name).indexOf(' ') + 1), name));
        awaitPast(Instant.now().plusSeconds(3)); // the writer's own overwrites expire too

        Programs.tarn(T, args(meta, "gc", "tt")).ok();
        int[] clean = fsckOk(Programs.tarn(T, args(meta, "fsck", "tt", "--verify")));
        assertEquals(clean[0], clean[2], "the store holds exactly the live blocks");
        String uuid = uuid(meta);
        damageAndCheck(Path.of(data, "objects", uuid, "blocks"), uuid, meta);
        unmount(live);
        checkAfterDamage(mount("tt", tmp.resolve("fresh"), meta).mountpoint, now);
    }

    /**
     * Deletes the object of victim.bin and puts an old orphan beside the blocks; fsck must name both and
     * exit 1, --repair must remove the orphan only, and gc must then find nothing more to free.
     */
    private void damageAndCheck(Path blocks, String uuid, String[] meta) throws Exception {
        Path victim;
        try (Stream<Path> s = Files.walk(blocks)) {
            victim = s.filter(Files::isRegularFile).max((a, b) -> Long.compareUnsigned(
                    Long.parseUnsignedLong(a.getFileName().toString(), 16), Long.parseUnsignedLong(b.getFileName().toString(), 16)))
                    .orElseThrow();
        }
        Files.delete(victim);
        Path orphan = blocks.resolve("ff").resolve("7fffffffffffffff");
        Files.createDirectories(orphan.getParent());
        Files.write(orphan, new byte[1234]);
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
        String volume = meta[0].equals("--meta") ? "v" : "tt";

        Programs.Result fsck = Programs.tarn(T, args(meta, "fsck", volume));
        assertEquals(1, fsck.exit(), fsck.out() + fsck.err());
        assertTrue(fsck.out().contains("MISSING   " + uuid + "/blocks/" + blocks.relativize(victim)), fsck.out());
        assertTrue(fsck.out().contains("LEAKED    " + uuid + "/blocks/ff/7fffffffffffffff"), fsck.out());
        int[] found = summary(fsck);
        assertEquals(1, found[3], "one block missing: " + fsck.out());
        assertEquals(1, found[6], "one object leaked: " + fsck.out());
        assertTrue(fsck.err().contains("checking live blocks: "), "progress on stderr: " + fsck.err());

        Programs.Result repair = Programs.tarn(T, args(meta, "fsck", volume, "--repair"));
        assertEquals(1, repair.exit(), "the missing block is still missing: " + repair.out());
        assertTrue(Files.notExists(orphan), "--repair removes the leaked object");
        assertTrue(Files.notExists(victim), "--repair never recreates a block");
        assertEquals(1, summary(repair)[8], repair.out());
        Programs.Result gc = Programs.tarn(T, args(meta, "gc", volume, "--dry-run")).ok();
        assertTrue(gc.out().contains("would free on " + volume + ": 0 expired objects"), gc.out());
    }

    /** Through a fresh mount (no cache): every file reads as written, except victim.bin whose block is gone. */
    private static void checkAfterDamage(Path root, TreeMap<String, String> expected) throws Exception {
        assertThrows(IOException.class, () -> Files.readAllBytes(root.resolve("victim.bin")));
        TreeMap<String, String> want = new TreeMap<>(expected);
        want.remove("victim.bin");
        TreeMap<String, String> got = new TreeMap<>();
        for (String name : want.keySet()) got.put(name, describe(root.resolve(name)));
        assertEquals(want, got);
    }

    private static int[] fsckOk(Programs.Result r) {
        assertEquals(0, r.exit(), r.out() + r.err());
        return summary(r);
    }

    /** live, held, objects, missing, missing history, corrupt, leaked, pending, removed. */
    private static int[] summary(Programs.Result r) {
        Matcher m = FSCK.matcher(r.out());
        assertTrue(m.find(), "fsck summary: " + r.out());
        int[] n = new int[9];
        for (int i = 0; i < 9; i++) n[i] = Integer.parseInt(m.group(i + 1));
        return n;
    }

    private static long[] freed(Programs.Result r) {
        Matcher m = FREED.matcher(r.out());
        assertTrue(m.find(), "gc summary: " + r.out());
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static String uuid(String[] meta) throws Exception {
        String volume = meta[0].equals("--meta") ? "v" : "tt";
        String info = Programs.tarn(T, args(meta, "volume", "info", volume)).ok().out();
        return info.lines().filter(l -> l.startsWith("uuid:")).findFirst().orElseThrow().substring(5).trim();
    }

    private static String[] args(String[] meta, String... rest) {
        List<String> a = new ArrayList<>(List.of(rest));
        a.addAll(List.of(meta));
        return a.toArray(String[]::new);
    }

    private void write(Path p, int size) throws IOException {
        Files.write(p, bytes(rnd, size));
    }

    private static byte[] bytes(Random r, int size) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }

    /** Waits (a condition on the clock, not a fixed sleep) until {@code t} has passed. */
    private static void awaitPast(Instant t) {
        while (!Instant.now().isAfter(t)) LockSupport.parkNanos(20_000_000);
    }

    /** The first whole second after every change so far; returns once the clock has passed it. */
    private static Instant instantAfterChanges() {
        Instant at = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        awaitPast(at.plusMillis(50));
        return at;
    }

    /** File name -> size and SHA-256 of the regular files directly under {@code root}. */
    private static TreeMap<String, String> hashes(Path root) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(p.getFileName().toString(), describe(p));
        }
        return out;
    }

    private static String describe(Path p) throws Exception {
        byte[] b = Files.readAllBytes(p);
        return b.length + " " + sha(b);
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
