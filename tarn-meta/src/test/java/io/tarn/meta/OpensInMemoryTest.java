package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Opens are counted in server memory and persisted only as pins of unlinked inodes (ADR 0070): what
 * opens and releases write, resends, and what a restart of the service keeps.
 */
@Timeout(30)
class OpensInMemoryTest {
    private static final int O_RDONLY = 0, O_RDWR = 2;
    private final MutableClock clock = new MutableClock();
    private MemoryKvStore kv;
    private LocalMetaService meta;
    private long vol;
    private SessionInfo s;

    @BeforeEach
    void setUp() {
        kv = new MemoryKvStore();
        meta = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        meta.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.MIN_BLOCK_SIZE, "none", 3600));
        s = meta.openSession("v", "test");
        vol = kv.read(r -> Volumes.byName(r, "v").id());
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    private static Ctx ctx(SessionInfo session) {
        return new Ctx(session.session(), 0, Caller.ROOT);
    }

    private int pins() {
        byte[] p = Keys.inVolume(vol, Keys.OPEN);
        return kv.read(r -> r.scan(p, Keys.end(p), Integer.MAX_VALUE).size());
    }

    private byte[] snapshot() {
        byte[] from = {0};
        return kv.read(r -> {
            StringBuilder b = new StringBuilder();
            for (var e : r.scan(from, null, Integer.MAX_VALUE))
                b.append(java.util.HexFormat.of().formatHex(e.key())).append('=').append(java.util.HexFormat.of().formatHex(e.value())).append('\n');
            return b.toString().getBytes();
        });
    }

    private static void expect(Errno errno, Runnable call) {
        assertEquals(errno, assertThrows(FsException.class, call::run).errno());
    }

    @Test
    void openAndReleaseOfALinkedFileWriteNothing() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, O_RDWR);
        meta.release(ctx(s), f.ino());
        byte[] before = snapshot();
        meta.open(ctx(s), f.ino(), O_RDONLY);
        assertEquals(1, meta.openInodes());
        meta.release(ctx(s), f.ino());
        assertArrayEquals(before, snapshot());
        assertEquals(0, meta.openInodes());
        expect(Errno.EBADF, () -> meta.release(ctx(s), f.ino()));
    }

    @Test
    void aResentOpenOrReleaseCountsOnce() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, O_RDWR);
        Ctx open = new Ctx(s.session(), 1000, Caller.ROOT);
        meta.open(open, f.ino(), O_RDONLY);
        meta.open(open, f.ino(), O_RDONLY); // the reply was lost and the client sent it again
        Ctx release = new Ctx(s.session(), 1001, Caller.ROOT);
        meta.release(release, f.ino());
        meta.release(release, f.ino());
        // One open (from create) is left: an unlink keeps the inode.
        meta.unlink(ctx(s), 1, "f");
        assertEquals(0, meta.getAttr(ctx(s), f.ino()).nlink());
        meta.release(ctx(s), f.ino());
        expect(Errno.ENOENT, () -> meta.getAttr(ctx(s), f.ino()));
    }

    @Test
    void aFailedOpenLeavesNoCount() {
        Attr f = meta.create(ctx(s), 1, "f", 0600, O_RDWR);
        meta.release(ctx(s), f.ino());
        Ctx bob = new Ctx(s.session(), 0, new Caller(1001, 1001, new int[0], 1));
        expect(Errno.EACCES, () -> meta.open(bob, f.ino(), O_RDONLY));
        assertEquals(0, meta.openInodes());
        meta.unlink(ctx(s), 1, "f");
        expect(Errno.ENOENT, () -> meta.getAttr(ctx(s), f.ino()));
    }

    @Test
    void anUnlinkedOpenFileIsPinnedAndSurvivesARestartUntilItsSessionEnds() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, O_RDWR);
        assertEquals(0, pins());
        meta.unlink(ctx(s), 1, "f");
        assertEquals(1, pins(), "the unlink persisted the open");
        LocalMetaService restarted = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        assertEquals(0, restarted.getAttr(ctx(s), f.ino()).nlink());
        // The restarted server does not know how many opens the session has: the release keeps the pin.
        restarted.release(ctx(s), f.ino());
        assertEquals(0, restarted.getAttr(ctx(s), f.ino()).nlink());
        restarted.closeSession(s.session());
        SessionInfo other = restarted.openSession("v", "other");
        expect(Errno.ENOENT, () -> restarted.getAttr(ctx(other), f.ino()));
        assertEquals(0, pins());
    }

    @Test
    void afterARestartAFileUnlinkedWhileAnOldSessionLivesIsKeptUntilItEnds() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, O_RDWR); // open; the count lives only in memory
        LocalMetaService restarted = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        SessionInfo fresh = restarted.openSession("v", "fresh");
        restarted.unlink(ctx(fresh), 1, "f");
        assertEquals(0, restarted.getAttr(ctx(s), f.ino()).nlink(), "the old session may still hold it");
        Attr g = restarted.create(ctx(fresh), 1, "g", 0644, O_RDWR);
        restarted.release(ctx(fresh), g.ino());
        restarted.closeSession(s.session());
        expect(Errno.ENOENT, () -> restarted.getAttr(ctx(fresh), f.ino()));
        restarted.unlink(ctx(fresh), 1, "g");
        expect(Errno.ENOENT, () -> restarted.getAttr(ctx(fresh), g.ino()));
    }

    @Test
    void theLastReleaseOfAPinnedOrphanDeletesIt() {
        SessionInfo other = meta.openSession("v", "other");
        Attr f = meta.create(ctx(s), 1, "f", 0644, O_RDWR);
        meta.open(ctx(other), f.ino(), O_RDONLY);
        meta.open(ctx(other), f.ino(), O_RDONLY);
        meta.unlink(ctx(s), 1, "f");
        assertEquals(2, pins());
        meta.release(ctx(s), f.ino());
        assertEquals(1, pins());
        meta.release(ctx(other), f.ino());
        assertEquals(0, meta.getAttr(ctx(other), f.ino()).nlink());
        meta.open(ctx(s), f.ino(), O_RDONLY); // through a handle's inode number: pinned again
        assertEquals(2, pins());
        meta.release(ctx(other), f.ino());
        meta.release(ctx(s), f.ino());
        expect(Errno.ENOENT, () -> meta.getAttr(ctx(s), f.ino()));
        assertEquals(0, pins());
    }
}
