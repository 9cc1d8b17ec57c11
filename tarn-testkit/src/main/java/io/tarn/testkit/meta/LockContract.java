package io.tarn.testkit.meta;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tarn.api.LockSpec.EOF;
import static io.tarn.api.LockSpec.FLOCK;
import static io.tarn.api.LockSpec.POSIX;
import static io.tarn.api.LockSpec.RDLCK;
import static io.tarn.api.LockSpec.UNLCK;
import static io.tarn.api.LockSpec.WRLCK;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Server-held locks: byte ranges (split, merge, upgrade, downgrade), conflicts across sessions with
 * the holder's pid, flock beside POSIX locks, waits that are granted, cancelled or run into a
 * deadlock, and release by owner and by the end of a session.
 */
public abstract class LockContract extends DataContract {
    private static final long A = 11, B = 22;

    private Ctx other() {
        SessionInfo s = meta.openSession(vol.name(), "lock-peer");
        return new Ctx(s.session(), 0, Caller.ROOT);
    }

    private long aFile() {
        return file(root(), root, "locked-" + System.nanoTime(), 0644).ino();
    }

    private static LockSpec posix(long owner, long start, long end, int type, int pid) {
        return new LockSpec(POSIX, owner, start, end, type, pid);
    }

    private void lock(Ctx c, long ino, LockSpec l) {
        assertEquals(MetaService.LOCK_GRANTED, meta.setLock(c, ino, l, 0, 0));
    }

    /** What the other session's owner B sees when it asks for a write lock on [s, e]. */
    private LockSpec probe(Ctx c, long ino, long s, long e) {
        return meta.testLock(c, ino, posix(B, s, e, WRLCK, 1));
    }

    @Test
    void conflictAcrossSessionsIsEagainAndGetlkNamesTheHolder() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 100, 199, WRLCK, 4711));
        expect(Errno.EAGAIN, () -> meta.setLock(peer, ino, posix(B, 150, 150, RDLCK, 9), 0, 0));
        LockSpec seen = probe(peer, ino, 0, EOF);
        assertEquals(new LockSpec(POSIX, 0, 100, 199, WRLCK, 4711), seen);
        assertNull(probe(peer, ino, 200, 300), "no conflict outside the range");
        lock(peer, ino, posix(B, 200, EOF, WRLCK, 9));
        assertNull(meta.testLock(me, ino, posix(A, 0, 199, WRLCK, 1)), "an owner never conflicts with itself");
    }

    @Test
    void readLocksShareAndWriteLocksExclude() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, 9, RDLCK, 1));
        lock(peer, ino, posix(B, 5, 20, RDLCK, 2));
        expect(Errno.EAGAIN, () -> meta.setLock(peer, ino, posix(B, 0, 0, WRLCK, 2), 0, 0));
        expect(Errno.EAGAIN, () -> meta.setLock(me, ino, posix(A, 15, 15, WRLCK, 1), 0, 0));
        lock(me, ino, posix(A, 0, 4, WRLCK, 1)); // [0,4] is only A's
    }

    @Test
    void unlockSplitsAndUpgradeDowngradeReplaceTheRange() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, 99, WRLCK, 1));
        lock(me, ino, posix(A, 40, 59, UNLCK, 0));
        assertEquals(0, probe(peer, ino, 0, 99).start());
        assertEquals(39, probe(peer, ino, 0, 99).end());
        assertNull(probe(peer, ino, 40, 59), "the hole is free");
        assertEquals(60, probe(peer, ino, 40, 99).start());
        // Downgrade the middle of [60,99]: readers get in there, writers still not.
        lock(me, ino, posix(A, 70, 79, RDLCK, 1));
        assertNull(meta.testLock(peer, ino, posix(B, 70, 79, RDLCK, 2)));
        assertEquals(WRLCK, meta.testLock(peer, ino, posix(B, 60, 79, RDLCK, 2)).type());
        // Upgrade back and merge with the neighbours: one lock [60,99] again.
        lock(me, ino, posix(A, 70, 79, WRLCK, 1));
        LockSpec merged = probe(peer, ino, 60, 99);
        assertEquals(60, merged.start());
        assertEquals(99, merged.end());
        // Touching ranges of one type merge into one.
        lock(me, ino, posix(A, 40, 59, WRLCK, 1));
        LockSpec whole = probe(peer, ino, 0, 99);
        assertEquals(0, whole.start());
        assertEquals(99, whole.end());
        lock(me, ino, posix(A, 0, EOF, UNLCK, 0));
        assertNull(probe(peer, ino, 0, EOF));
    }

    @Test
    void flockAndPosixLocksAreIndependentAndFlockConverts() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, new LockSpec(FLOCK, A, 0, EOF, WRLCK, 1));
        lock(peer, ino, posix(B, 0, EOF, WRLCK, 2));
        expect(Errno.EAGAIN, () -> meta.setLock(peer, ino, new LockSpec(FLOCK, B, 0, EOF, RDLCK, 2), 0, 0));
        lock(me, ino, new LockSpec(FLOCK, A, 0, EOF, RDLCK, 1)); // downgrade
        lock(peer, ino, new LockSpec(FLOCK, B, 0, EOF, RDLCK, 2));
        // An upgrade while another reader holds fails and, as on Linux, leaves the converting owner without its lock.
        expect(Errno.EAGAIN, () -> meta.setLock(me, ino, new LockSpec(FLOCK, A, 0, EOF, WRLCK, 1), 0, 0));
        meta.setLock(peer, ino, new LockSpec(FLOCK, B, 0, EOF, UNLCK, 0), 0, 0);
        lock(peer, ino, new LockSpec(FLOCK, B, 0, EOF, WRLCK, 2));
    }

    @Test
    void aWaiterIsGrantedWhenTheHolderUnlocks() throws Exception {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, EOF, WRLCK, 1));
        // A short slice: the request stays queued and the next call with the same wait id goes on waiting.
        assertEquals(MetaService.LOCK_WAITING, meta.setLock(peer, ino, posix(B, 10, 10, WRLCK, 2), 77, 50));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<Integer> waiter = pool.submit(() -> meta.setLock(peer, ino, posix(B, 10, 10, WRLCK, 2), 77, 20_000));
            lock(me, ino, posix(A, 0, EOF, UNLCK, 0));
            assertEquals(MetaService.LOCK_GRANTED, waiter.get(30, TimeUnit.SECONDS));
            expect(Errno.EAGAIN, () -> meta.setLock(me, ino, posix(A, 10, 10, RDLCK, 1), 0, 0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCycleOfWaitersAcrossSessionsIsEdeadlk() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, 0, WRLCK, 1));
        lock(peer, ino, posix(B, 1, 1, WRLCK, 2));
        // A queues for byte 1 (a short slice: the request stays queued under wait id 5).
        assertEquals(MetaService.LOCK_WAITING, meta.setLock(me, ino, posix(A, 1, 1, WRLCK, 1), 5, 20));
        // B asking for byte 0 would wait for A, who waits for B.
        expect(Errno.EDEADLK, () -> meta.setLock(peer, ino, posix(B, 0, 0, WRLCK, 2), 6, 10_000));
        // Another owner asking the same does not close a cycle: it just waits.
        assertEquals(MetaService.LOCK_WAITING, meta.setLock(peer, ino, posix(B + 1, 0, 0, WRLCK, 2), 7, 20));
        meta.cancelLockWait(peer, 7);
        lock(peer, ino, posix(B, 1, 1, UNLCK, 0));
        assertEquals(MetaService.LOCK_GRANTED, meta.setLock(me, ino, posix(A, 1, 1, WRLCK, 1), 5, 10_000));
    }

    @Test
    void aLongerCycleOfThreeOwnersIsEdeadlk() {
        long ino = aFile();
        Ctx me = root(), peer = other(), third = other();
        lock(me, ino, posix(A, 0, 0, WRLCK, 1));
        lock(peer, ino, posix(B, 1, 1, WRLCK, 2));
        lock(third, ino, posix(33, 2, 2, WRLCK, 3));
        assertEquals(MetaService.LOCK_WAITING, meta.setLock(me, ino, posix(A, 1, 1, WRLCK, 1), 1, 20));
        assertEquals(MetaService.LOCK_WAITING, meta.setLock(peer, ino, posix(B, 2, 2, WRLCK, 2), 2, 20));
        expect(Errno.EDEADLK, () -> meta.setLock(third, ino, posix(33, 0, 0, WRLCK, 3), 3, 10_000));
        meta.cancelLockWait(me, 1);
        meta.cancelLockWait(peer, 2);
    }

    @Test
    void aCancelledWaitFailsEintrAndLeavesNoLock() throws Exception {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, EOF, WRLCK, 1));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<Integer> waiter = pool.submit(() -> meta.setLock(peer, ino, posix(B, 0, 0, WRLCK, 2), 9, 20_000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!meta.cancelLockWait(peer, 9) && !waiter.isDone() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the request is queued on the server
            }
            var failure = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiter.get(30, TimeUnit.SECONDS));
            assertEquals(Errno.EINTR, ((FsException) failure.getCause()).errno());
            expect(Errno.EINTR, () -> meta.setLock(peer, ino, posix(B, 0, 0, WRLCK, 2), 9, 10));
            lock(me, ino, posix(A, 0, EOF, UNLCK, 0));
            assertNull(meta.testLock(me, ino, posix(A + 1, 0, EOF, WRLCK, 1)), "the cancelled request holds nothing");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void releaseLocksDropsOneOwnerOfBothKinds() {
        long ino = aFile();
        Ctx me = root(), peer = other();
        lock(me, ino, posix(A, 0, 9, WRLCK, 1));
        lock(me, ino, new LockSpec(FLOCK, A, 0, EOF, WRLCK, 1));
        lock(me, ino, posix(A + 1, 20, 29, WRLCK, 1));
        meta.releaseLocks(me, ino, A);
        assertNull(probe(peer, ino, 0, 9));
        lock(peer, ino, new LockSpec(FLOCK, B, 0, EOF, WRLCK, 2));
        assertNotNull(probe(peer, ino, 20, 29), "another owner of the session keeps its lock");
    }

    @Test
    void closingTheSessionReleasesItsLocksAndGrantsWaiters() throws Exception {
        long ino = aFile();
        SessionInfo gone = meta.openSession(vol.name(), "to-close");
        Ctx holder = new Ctx(gone.session(), 0, Caller.ROOT), peer = other();
        lock(holder, ino, posix(A, 0, EOF, WRLCK, 1));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<Integer> waiter = pool.submit(() -> meta.setLock(peer, ino, posix(B, 0, EOF, WRLCK, 2), 3, 20_000));
            meta.closeSession(gone.session());
            assertEquals(MetaService.LOCK_GRANTED, waiter.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badLockRequestsAreEinval() {
        long ino = aFile();
        expect(Errno.EINVAL, () -> meta.setLock(root(), ino, posix(A, 10, 5, WRLCK, 1), 0, 0));
        expect(Errno.EINVAL, () -> meta.setLock(root(), ino, posix(A, 0, 5, 7, 1), 0, 0));
        expect(Errno.EINVAL, () -> meta.setLock(root(), ino, new LockSpec(5, A, 0, 5, WRLCK, 1), 0, 0));
    }
}
