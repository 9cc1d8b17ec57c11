package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Locks across two clients: two {@code tarn mount} daemons of one volume sharing one metadata server,
 * and programs on each taking fcntl, OFD and flock locks (lockagent.py, util-linux flock). Checks
 * exclusion with the errno of every refused call, waits that end on release, EDEADLK, EINTR on a
 * signal, and that a kill -9 of the holder's daemon frees its locks within the session timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockingTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    /** Long enough for a call that should block to have come back if it were not blocking. */
    private static final Duration STILL_BLOCKED = Duration.ofMillis(500);

    private Path tmp;
    private MetaServerProcess server;
    private MountedVolume m1, m2;
    private final List<LockAgent> agents = new ArrayList<>();

    @BeforeAll
    void mountTwice() throws Exception {
        tmp = Files.createTempDirectory("tarn-locks-");
        server = MetaServerProcess.start(tmp.resolve("meta"), "--session-timeout", SESSION_TIMEOUT.toSeconds() + "s");
        Programs.tarn(T, "volume", "create", "locks", "--meta", server.address(),
                "--store", tmp.resolve("objects").toUri().toString()).ok();
        m1 = MountedVolume.mount("locks", tmp.resolve("m1"), "--meta", server.address(), "-o", "heartbeat=1s");
        m2 = MountedVolume.mount("locks", tmp.resolve("m2"), "--meta", server.address(), "-o", "heartbeat=1s");
        // Created through the first mount before the second looks: it caches no "absent" entry for them.
        for (String f : List.of("fcntl", "wait", "deadlock", "flock", "ofd", "intr", "kill", "close", "restart", "coherent", "coherent-flock", "disjoint"))
            Files.writeString(m1.mountpoint.resolve(f), "x");
    }

    @AfterEach
    void stopAgents() throws InterruptedException {
        for (LockAgent a : agents) a.close();
        agents.clear();
    }

    @AfterAll
    void unmount() throws Exception {
        try {
            if (m1 != null) m1.close();
        } finally {
            try {
                if (m2 != null) m2.close();
            } finally {
                if (server != null) server.close();
            }
        }
    }

    /** A lock agent with {@code file} of {@code mount} open as "f". */
    private LockAgent agent(MountedVolume mount, String file) throws Exception {
        LockAgent a = LockAgent.start();
        agents.add(a);
        assertEquals("ok", a.call("open f " + mount.mountpoint.resolve(file)));
        return a;
    }

    @Test
    @Order(1)
    void fcntlConflictAcrossMountsIsEagainAndGetlkNamesTheHolder() throws Exception {
        LockAgent a = agent(m1, "fcntl"), b = agent(m2, "fcntl");
        assertEquals("ok", a.call("fcntl f setlk wr 0 10"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 5 1"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk rd 9 100"));
        assertEquals("wr 0 10 " + a.pid, b.call("fcntl f getlk wr 0 0"));
        assertEquals("ok", b.call("fcntl f setlk rd 10 5"), "the byte after the range is free");
        // As on Linux, F_GETLK without a conflict only sets l_type; the range stays as asked.
        assertEquals("un 0 10 0", a.call("fcntl f getlk wr 0 10"), "a process never conflicts with itself");
        // Split: unlocking the middle frees it for the other mount, the ends stay locked.
        assertEquals("ok", a.call("fcntl f setlk un 3 4"));
        assertEquals("ok", b.call("fcntl f setlk wr 3 4"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 2 1"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 7 1"));
    }

    @Test
    @Order(2)
    void closingAnyDescriptorOfTheFileDropsTheProcesssLocks() throws Exception {
        LockAgent a = agent(m1, "close"), b = agent(m2, "close");
        assertEquals("ok", a.call("fcntl f setlk wr 0 0"));
        assertEquals("ok", a.call("open g " + m1.mountpoint.resolve("close")));
        assertEquals("err EAGAIN", b.call("fcntl f setlk rd 0 1"));
        assertEquals("ok", a.call("close g"));
        assertEquals("ok", b.call("fcntl f setlk wr 0 0"), "POSIX: any close drops the process's locks on the file");
    }

    @Test
    @Order(3)
    void setlkwWaitsAndProceedsWhenTheHolderUnlocks() throws Exception {
        LockAgent a = agent(m1, "wait"), b = agent(m2, "wait");
        assertEquals("ok", a.call("fcntl f setlk wr 0 0"));
        b.send("fcntl f setlkw wr 100 1");
        assertNull(b.answerWithin(STILL_BLOCKED), "F_SETLKW returned while the range is locked");
        long t0 = System.nanoTime();
        assertEquals("ok", a.call("fcntl f setlk un 0 0"));
        assertEquals("ok", b.answer(T));
        System.out.printf("LockingTest: F_SETLKW granted %.1f ms after the other mount's unlock%n", (System.nanoTime() - t0) / 1e6);
        assertEquals("err EAGAIN", a.call("fcntl f setlk rd 100 1"));
    }

    @Test
    @Order(4)
    void aDeadlockAcrossMountsIsEdeadlk() throws Exception {
        LockAgent a = agent(m1, "deadlock"), b = agent(m2, "deadlock");
        assertEquals("ok", a.call("fcntl f setlk wr 0 1"));
        assertEquals("ok", b.call("fcntl f setlk wr 1 1"));
        a.send("fcntl f setlkw wr 1 1");
        assertNull(a.answerWithin(STILL_BLOCKED), "a's F_SETLKW returned while b holds byte 1");
        b.send("fcntl f setlkw wr 0 1");
        // The request that closes the cycle gets EDEADLK and keeps what it holds until it lets go. That is
        // normally b's, but on a loaded machine a's wait may reach the server after b's: either is POSIX.
        LockAgent loser = null, winner = null;
        long until = System.nanoTime() + T.toNanos();
        while (loser == null) {
            assertTrue(System.nanoTime() < until, "neither waiter got EDEADLK within " + T);
            String fromB = b.answerWithin(Duration.ofMillis(50));
            if (fromB != null) {
                assertEquals("err EDEADLK", fromB);
                loser = b;
                winner = a;
                continue;
            }
            String fromA = a.answerWithin(Duration.ofMillis(50));
            if (fromA != null) {
                assertEquals("err EDEADLK", fromA);
                loser = a;
                winner = b;
            }
        }
        assertEquals("ok", loser.call(loser == b ? "fcntl f setlk un 1 1" : "fcntl f setlk un 0 1"));
        assertEquals("ok", winner.answer(T), "the other waiter gets its byte once the one refused lets go");
    }

    @Test
    @Order(5)
    void flockExcludesAcrossMounts() throws Exception {
        LockAgent a = agent(m1, "flock");
        Path other = m2.mountpoint.resolve("flock");
        assertEquals("ok", a.call("flock f ex"));
        assertEquals(1, Programs.run(T, null, List.of("flock", "-n", other.toString(), "true")).exit(),
                "flock -n on the other mount while an exclusive flock is held");
        Process waiter = new ProcessBuilder("flock", "-w", "60", other.toString(), "true").inheritIO().start();
        try {
            assertTrue(!waiter.waitFor(STILL_BLOCKED.toMillis(), TimeUnit.MILLISECONDS), "flock -w got the lock while it was held");
            assertEquals("ok", a.call("flock f un"));
            assertTrue(waiter.waitFor(60, TimeUnit.SECONDS), "flock -w did not get the lock after the release");
            assertEquals(0, waiter.exitValue());
        } finally {
            waiter.destroyForcibly();
        }
        assertEquals("ok", a.call("flock f sh"));
        assertEquals(0, Programs.run(T, null, List.of("flock", "-s", "-n", other.toString(), "true")).exit(), "shared flocks share");
        assertEquals(1, Programs.run(T, null, List.of("flock", "-x", "-n", other.toString(), "true")).exit());
        assertEquals("ok", a.call("close f"));
        assertEquals(0, Programs.run(T, null, List.of("flock", "-x", "-n", other.toString(), "true")).exit(),
                "the last close of the open file drops its flock");
    }

    @Test
    @Order(6)
    void ofdLocksBelongToTheOpenFile() throws Exception {
        LockAgent a = agent(m1, "ofd"), b = agent(m2, "ofd");
        assertEquals("ok", a.call("fcntl f ofd_setlk wr 0 10"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 0 1"), "an OFD lock excludes POSIX locks of other clients");
        assertEquals("ok", a.call("open g " + m1.mountpoint.resolve("ofd")));
        assertEquals("err EAGAIN", a.call("fcntl g ofd_setlk wr 5 1"), "OFD locks of two open files of one process conflict");
        assertEquals("ok", a.call("close g"));
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 0 1"), "closing another open file keeps the OFD lock");
        assertEquals("ok", a.call("close f"));
        long deadline = System.nanoTime() + T.toNanos();
        String got;
        // The last close reaches the daemon as an asynchronous RELEASE: wait for it with a deadline.
        while (!(got = b.call("fcntl f setlk wr 0 1")).equals("ok") && System.nanoTime() < deadline) {
            assertEquals("err EAGAIN", got);
        }
        assertEquals("ok", got, "the last close of the open file drops its OFD lock");
    }

    @Test
    @Order(7)
    void aSignalInterruptsAWaiterWithEintr() throws Exception {
        LockAgent a = agent(m1, "intr"), b = agent(m2, "intr");
        assertEquals("ok", a.call("fcntl f setlk wr 0 0"));
        b.send("fcntl f setlkw wr 0 0");
        assertNull(b.answerWithin(STILL_BLOCKED), "F_SETLKW returned while the file is locked");
        b.signal("USR1");
        assertEquals("err EINTR", b.answer(T));
        assertEquals("ok", a.call("fcntl f setlk un 0 0"));
        LockAgent c = agent(m1, "intr");
        assertEquals("ok", c.call("fcntl f setlk wr 0 0"), "the interrupted request took no lock");
        assertEquals("err EAGAIN", b.call("fcntl f setlk rd 0 0"));
    }

    @Test
    @Order(8)
    @DisplayName("writes made under a lock are seen by the next holder on another mount, without a close")
    void writesUnderALockReachTheNextHolder() throws Exception {
        LockAgent a = agent(m1, "coherent"), b = agent(m2, "coherent");
        assertEquals("x", b.call("pread f 0 8"), "the reader has the old data cached");
        assertEquals("ok", a.call("fcntl f setlkw wr 0 0"));
        assertEquals("ok", a.call("pwrite f 0 written-by-a"));
        b.send("fcntl f setlkw wr 0 0");
        assertNull(b.answerWithin(STILL_BLOCKED), "the second mount got the lock while it was held");
        assertEquals("ok", a.call("fcntl f setlk un 0 0"));
        assertEquals("ok", b.answer(T));
        assertEquals("written-by-a", b.call("pread f 0 12"), "the new holder reads what the old one wrote before unlocking");
        assertEquals("ok", b.call("pwrite f 12 +b"));
        a.send("fcntl f setlkw rd 0 0");
        assertEquals("ok", b.call("fcntl f setlk un 0 0"));
        assertEquals("ok", a.answer(T));
        assertEquals("written-by-a+b", a.call("pread f 0 20"), "and the first holder, locking again, reads the second's append");
    }

    @Test
    @Order(9)
    @DisplayName("flock is a coherence point too")
    void writesUnderAFlockReachTheNextHolder() throws Exception {
        LockAgent a = agent(m1, "coherent-flock"), b = agent(m2, "coherent-flock");
        assertEquals("x", b.call("pread f 0 8"));
        assertEquals("ok", a.call("flock f ex"));
        assertEquals("ok", a.call("pwrite f 0 flocked"));
        assertEquals("ok", a.call("flock f un"));
        assertEquals("ok", b.call("flock f sh"));
        assertEquals("flocked", b.call("pread f 0 16"));
    }

    @Test
    @Order(10)
    @DisplayName("two mounts holding disjoint ranges of one block at once both keep their writes")
    void disjointLockedRangesOfOneBlockAreBothKept() throws Exception {
        LockAgent a = agent(m1, "disjoint"), b = agent(m2, "disjoint");
        assertEquals("x", b.call("pread f 0 8"));
        assertEquals("ok", a.call("fcntl f setlk wr 0 10"));
        assertEquals("ok", b.call("fcntl f setlk wr 100 10"));
        assertEquals("ok", a.call("pwrite f 1 AAAA"));
        assertEquals("ok", b.call("pwrite f 100 BBBB"));
        assertEquals("ok", a.call("fcntl f setlk un 0 10"));
        assertEquals("ok", b.call("fcntl f setlk un 100 10"));
        assertEquals("ok", a.call("fcntl f setlkw rd 0 0"));
        assertEquals("xAAAA", a.call("pread f 0 5"), "the first writer's bytes survive the second's commit of the same block");
        assertEquals("BBBB", a.call("pread f 100 4"));
    }

    @Test
    @Order(50)
    void locksHeldAcrossAMetadataServerRestartAreReclaimedNotLost() throws Exception {
        LockAgent a = agent(m1, "restart"), b = agent(m2, "restart"), waiter = agent(m2, "restart");
        assertEquals("ok", a.call("fcntl f setlk wr 0 99"));
        assertEquals("ok", a.call("flock f ex"));
        waiter.send("fcntl f setlkw wr 50 1");
        assertNull(waiter.answerWithin(STILL_BLOCKED), "F_SETLKW returned while the range is locked");
        server.kill9();
        long t0 = System.nanoTime();
        server.restart();
        // Until the clients have reclaimed, the server grants nothing (GETLK may answer ENOLCK); then
        // it reports a's lock again. It must never answer that the range is free.
        long deadline = System.nanoTime() + T.toNanos();
        String seen;
        while (!(seen = b.call("fcntl f getlk wr 0 0")).startsWith("wr ") && System.nanoTime() < deadline) {
            assertEquals("err ENOLCK", seen, "a lock held across the restart was lost");
        }
        System.out.printf("LockingTest: locks re-asserted %.1f s after the metadata server's kill -9 and restart%n",
                (System.nanoTime() - t0) / 1e9);
        assertEquals("wr 0 99 " + a.pid, seen);
        assertEquals("err EAGAIN", b.call("fcntl f setlk rd 10 1"));
        assertEquals("err EAGAIN", b.call("flock f ex nb"), "a's flock was re-asserted too");
        assertEquals("ok", a.call("fcntl f setlk un 0 0"));
        assertEquals("ok", waiter.answer(T), "the wait that spanned the restart is granted on unlock");
        assertEquals("err EAGAIN", b.call("fcntl f setlk wr 50 1"));
    }

    @Test
    @Order(100)
    void killingTheHoldersDaemonReleasesItsLocksWithinTheSessionTimeout() throws Exception {
        LockAgent a = agent(m1, "kill"), b = agent(m2, "kill");
        assertEquals("ok", a.call("fcntl f setlk wr 0 0"));
        assertEquals("ok", a.call("flock f ex"));
        b.send("fcntl f setlkw wr 0 0");
        assertNull(b.answerWithin(STILL_BLOCKED), "F_SETLKW returned while the file is locked");
        long t0 = System.nanoTime();
        m1.kill();
        assertEquals("ok", b.answer(T));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("LockingTest: kill -9 of the holder's daemon; its lock was granted to the waiter after %.1f s (session timeout %d s)%n",
                seconds, SESSION_TIMEOUT.toSeconds());
        assertTrue(seconds < 3 * SESSION_TIMEOUT.toSeconds(), "took " + seconds + " s");
        assertEquals("ok", b.call("flock f ex nb"), "the dead client's flock is gone too");
    }
}
