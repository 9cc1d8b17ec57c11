package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two mounts (two daemons) of one volume on one {@code tarn meta}: what one mount changes (new file,
 * rename, chmod, unlink, appended data after close) the other sees through the server's pushed
 * invalidations (ADR 0120), far sooner than its kernel's cache timeout of 10 s would let it. The
 * latency from the change returning in mount A to mount B seeing it is measured and printed
 * (p50/p99 per kind and overall); only a generous bound is asserted, below the cache timeout, so a
 * push that does not arrive fails the test.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TwoMountCoherenceTest {
    private static final Duration T = Duration.ofSeconds(60);
    /** Below the 10 s kernel cache timeout that holds while pushes are live: seeing a change sooner needs the push. */
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(5);
    private static final long POLL_NANOS = 200_000;
    private static final int ROUNDS = 40;

    enum Kind { NEW_FILE, RENAME, CHMOD, UNLINK, APPEND }

    @TempDir Path tmp;
    private MetaServerProcess server;
    private MountedVolume a, b;

    @BeforeEach
    void serveAndMountTwice() throws Exception {
        server = MetaServerProcess.start(tmp.resolve("meta"));
        Programs.tarn(T, "volume", "create", "v", "--meta", server.address(),
                "--store", tmp.resolve("objects").toUri().toString()).ok();
        a = MountedVolume.mount("v", tmp.resolve("a"), "--meta", server.address());
        b = MountedVolume.mount("v", tmp.resolve("b"), "--meta", server.address());
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            try {
                if (b != null) b.close();
            } finally {
                if (a != null) a.close();
            }
        } finally {
            if (server != null) server.close();
        }
    }

    @Test
    void changesInOneMountReachTheOtherWithoutWaitingForCacheTimeouts() throws Exception {
        Path da = a.mountpoint.resolve("d"), db = b.mountpoint.resolve("d");
        Files.createDirectory(da);
        awaitVisible("the directory", () -> Files.isDirectory(db));
        Map<Kind, List<Long>> micros = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) micros.put(k, new ArrayList<>());
        for (int round = 0; round < ROUNDS; round++) {
            for (Kind k : Kind.values()) micros.get(k).add(measure(k, da, db, round));
        }
        List<Long> all = new ArrayList<>();
        StringBuilder report = new StringBuilder("invalidation latency, mount A's change returned -> mount B sees it (us):\n");
        for (Kind k : Kind.values()) {
            all.addAll(micros.get(k));
            report.append(line(k.name().toLowerCase(), micros.get(k)));
        }
        report.append(line("all " + all.size(), all));
        System.out.print(report);
    }

    @Test
    void pushesResumeAfterTheServerRestarts() throws Exception {
        Path fa = a.mountpoint.resolve("f"), fb = b.mountpoint.resolve("f");
        Files.writeString(fa, "x");
        Files.setPosixFilePermissions(fa, PosixFilePermissions.fromString("rw-------"));
        awaitVisible("the file", () -> perms(fb).equals(PosixFilePermissions.fromString("rw-------")));
        server.terminate();
        server.restart();
        // B's follower finds a new feed (a reset: it drops what it remembers) and follows it from there.
        Files.setPosixFilePermissions(fa, PosixFilePermissions.fromString("rw-r-----"));
        awaitVisible("chmod after the restart", () -> perms(fb).equals(PosixFilePermissions.fromString("rw-r-----")));
        Files.setPosixFilePermissions(fa, PosixFilePermissions.fromString("rw-r--r--"));
        awaitVisible("a second chmod after the restart", () -> perms(fb).equals(PosixFilePermissions.fromString("rw-r--r--")));
        Files.writeString(fa, "yz", StandardOpenOption.APPEND);
        awaitVisible("appended data after the restart", () -> size(fb) == 3);
        assertEquals("xyz", Files.readString(fb));
    }

    /** Makes one change of kind {@code k} in A after B has cached the old state; returns microseconds until B sees it. */
    private long measure(Kind k, Path da, Path db, int round) throws Exception {
        String n = k.name().toLowerCase() + "-" + round;
        Path fa = da.resolve(n), fb = db.resolve(n);
        switch (k) {
            case NEW_FILE -> {
                assertFalse(Files.exists(fb, LinkOption.NOFOLLOW_LINKS));
                Files.createFile(fa);
                long t0 = System.nanoTime();
                return since(k, awaitVisible(n, () -> Files.exists(fb, LinkOption.NOFOLLOW_LINKS)), t0);
            }
            case RENAME -> {
                Files.writeString(fa, "r");
                awaitVisible(n, () -> Files.exists(fb));
                Path ta = da.resolve(n + ".moved"), tb = db.resolve(n + ".moved");
                long t0 = System.nanoTime();
                Files.move(fa, ta);
                long seen = awaitVisible(n, () -> !Files.exists(fb, LinkOption.NOFOLLOW_LINKS) && Files.exists(tb, LinkOption.NOFOLLOW_LINKS));
                return since(k, seen, t0);
            }
            case CHMOD -> {
                Files.writeString(fa, "c");
                Files.setPosixFilePermissions(fa, PosixFilePermissions.fromString("rw-------"));
                awaitVisible(n, () -> perms(fb).equals(PosixFilePermissions.fromString("rw-------")));
                Set<PosixFilePermission> want = PosixFilePermissions.fromString("rw-r-----");
                long t0 = System.nanoTime();
                Files.setPosixFilePermissions(fa, want);
                return since(k, awaitVisible(n, () -> perms(fb).equals(want)), t0);
            }
            case UNLINK -> {
                Files.writeString(fa, "u");
                awaitVisible(n, () -> Files.exists(fb));
                long t0 = System.nanoTime();
                Files.delete(fa);
                return since(k, awaitVisible(n, () -> !Files.exists(fb, LinkOption.NOFOLLOW_LINKS)), t0);
            }
            case APPEND -> {
                byte[] first = ("first part of " + n + "\n").getBytes();
                byte[] more = ("appended to " + n + " after the first close\n").getBytes();
                Files.write(fa, first);
                awaitVisible(n, () -> size(fb) == first.length);
                long t0 = System.nanoTime();
                Files.write(fa, more, StandardOpenOption.APPEND); // returns after close: committed
                long seen = awaitVisible(n, () -> size(fb) == first.length + more.length);
                byte[] both = Arrays.copyOf(first, first.length + more.length);
                System.arraycopy(more, 0, both, first.length, more.length);
                assertArrayEquals(both, Files.readAllBytes(fb), "mount B reads the appended data after A's close");
                return since(k, seen, t0);
            }
        }
        throw new AssertionError(k);
    }

    private static long since(Kind k, long seenNanos, long t0) {
        long us = (seenNanos - t0) / 1000;
        assertTrue(us >= 0, k + ": negative latency");
        return us;
    }

    /**
     * Polls {@code visible} every 0.2 ms until it holds; returns the time it first held. Fails past
     * {@link #VISIBLE_WITHIN}, which is shorter than the kernel cache timeout, so only a push makes it.
     */
    private static long awaitVisible(String what, BooleanSupplier visible) {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (true) {
            if (visible.getAsBoolean()) return System.nanoTime();
            if (System.nanoTime() > deadline) throw new AssertionError(what + " not visible in the other mount within " + VISIBLE_WITHIN);
            LockSupport.parkNanos(POLL_NANOS); // the polling interval, not a wait for the condition
        }
    }

    private static Set<PosixFilePermission> perms(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions();
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String line(String what, List<Long> us) {
        long[] s = us.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("  %-10s n=%3d  p50 %7d  p99 %7d  max %7d%n", what, s.length,
                s[(int) Math.min(s.length - 1, Math.round(0.50 * (s.length - 1)))],
                s[(int) Math.min(s.length - 1, Math.round(0.99 * (s.length - 1)))], s[s.length - 1]);
    }
}
