package io.tarn.meta;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockClaim;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Locks and the life of sessions: a holder whose heartbeats stop loses its locks; a restart waits for reclaims. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockSessionsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final LockSpec WHOLE = new LockSpec(LockSpec.POSIX, 1, 0, LockSpec.EOF, LockSpec.WRLCK, 100);

    private static long file(MetaService m, Ctx c, long root) {
        return m.create(c, root, "f", 0644, 2).ino();
    }

    @Test
    void aHolderWhoseSessionExpiredLosesItsLocksAtTheNextConflict() {
        MutableClock clock = new MutableClock();
        LocalMetaService m = new LocalMetaService(new MemoryKvStore(), clock, TIMEOUT);
        var vol = m.createVolume(new VolumeSpec("v", "mem://x", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
        Ctx a = new Ctx(m.openSession("v", "a").session(), 0, Caller.ROOT);
        Ctx b = new Ctx(m.openSession("v", "b").session(), 0, Caller.ROOT);
        long ino = file(m, a, vol.rootIno());
        m.setLock(a, ino, WHOLE, 0, 0);
        LockSpec mine = new LockSpec(LockSpec.POSIX, 2, 0, 0, LockSpec.WRLCK, 200);
        FsException busy = assertThrows(FsException.class, () -> m.setLock(b, ino, mine, 0, 0));
        assertEquals(Errno.EAGAIN, busy.errno());
        clock.advance(TIMEOUT.dividedBy(2));
        m.heartbeat(b.session());
        clock.advance(TIMEOUT.dividedBy(2).plusSeconds(1)); // a has missed its heartbeats for longer than the timeout
        assertEquals(MetaService.LOCK_GRANTED, m.setLock(b, ino, mine, 0, 0));
        assertEquals(200, m.testLock(b, ino, new LockSpec(LockSpec.POSIX, 3, 0, LockSpec.EOF, LockSpec.WRLCK, 1)).pid(),
                "only b's lock is left");
    }

    @Test
    void afterARestartNothingIsGrantedUntilTheOldSessionsReclaim() {
        MutableClock clock = new MutableClock();
        MemoryKvStore kv = new MemoryKvStore();
        LocalMetaService before = new LocalMetaService(kv, clock, TIMEOUT);
        var vol = before.createVolume(new VolumeSpec("v", "mem://x", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
        SessionInfo holder = before.openSession("v", "holder");
        Ctx a = new Ctx(holder.session(), 0, Caller.ROOT);
        long ino = file(before, a, vol.rootIno());
        before.setLock(a, ino, WHOLE, 0, 0);

        LocalMetaService after = new LocalMetaService(kv, clock, TIMEOUT); // the same store: a restart
        Ctx b = new Ctx(after.openSession("v", "newcomer").session(), 0, Caller.ROOT);
        LockSpec want = new LockSpec(LockSpec.POSIX, 2, 0, 0, LockSpec.WRLCK, 200);
        FsException refused = assertThrows(FsException.class, () -> after.setLock(b, ino, want, 0, 0));
        assertEquals(Errno.EAGAIN, refused.errno(), "in grace: not granted even though the table is empty");
        assertEquals(MetaService.LOCK_WAITING, after.setLock(b, ino, want, 1, 20));

        assertEquals(0, after.reclaimLocks(a, List.of(new LockClaim(ino, WHOLE))));
        FsException held = assertThrows(FsException.class, () -> after.setLock(b, ino, want, 0, 0));
        assertEquals(Errno.EAGAIN, held.errno(), "the reclaimed lock holds");
        assertEquals(WHOLE.pid(), after.testLock(b, ino, want).pid());
        // A late claim that conflicts is refused, not granted twice.
        assertEquals(1, after.reclaimLocks(b, List.of(new LockClaim(ino, want))));
    }

    @Test
    void graceEndsWhenAnOldSessionExpiresWithoutReclaiming() {
        MutableClock clock = new MutableClock();
        MemoryKvStore kv = new MemoryKvStore();
        LocalMetaService before = new LocalMetaService(kv, clock, TIMEOUT);
        var vol = before.createVolume(new VolumeSpec("v", "mem://x", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
        Ctx a = new Ctx(before.openSession("v", "dead").session(), 0, Caller.ROOT);
        long ino = file(before, a, vol.rootIno());
        LocalMetaService after = new LocalMetaService(kv, clock, TIMEOUT);
        Ctx b = new Ctx(after.openSession("v", "newcomer").session(), 0, Caller.ROOT);
        LockSpec want = new LockSpec(LockSpec.POSIX, 2, 0, 0, LockSpec.WRLCK, 200);
        assertEquals(MetaService.LOCK_WAITING, after.setLock(b, ino, want, 1, 20));
        clock.advance(TIMEOUT.dividedBy(2));
        after.heartbeat(b.session());
        clock.advance(TIMEOUT.dividedBy(2).plusSeconds(1));
        after.expireSessions();
        assertEquals(MetaService.LOCK_GRANTED, after.setLock(b, ino, want, 1, 1000));
    }
}
