package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import io.tarn.api.kv.KvEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the network-level contract cannot see: session expiry under a moved clock, the request log's
 * bound, garbage and journal records, and inode numbers across a restart of the service.
 */
class EngineInternalsTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;
    private final MutableClock clock = new MutableClock();
    private MemoryKvStore kv;
    private LocalMetaService meta;
    private long vol;
    private SessionInfo s;

    @BeforeEach
    void setUp() {
        kv = new MemoryKvStore();
        meta = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        meta.createVolume(new VolumeSpec("v", "mem://v", BS, "none", 3600));
        s = meta.openSession("v", "test");
        vol = kv.read(r -> Volumes.byName(r, "v").id());
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    private Ctx ctx(SessionInfo session) {
        return new Ctx(session.session(), 0, Caller.ROOT);
    }

    private int count(byte[] prefix) {
        return kv.read(r -> r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE).size());
    }

    private static void expect(Errno errno, Runnable call) {
        assertEquals(errno, assertThrows(FsException.class, call::run).errno());
    }

    @Test
    void expiredSessionLosesItsOpensAndItsOrphans() {
        SessionInfo other = meta.openSession("v", "other");
        Attr f = meta.create(ctx(other), 1, "f", 0644, 2);
        meta.unlink(ctx(s), 1, "f");
        clock.advance(Duration.ofSeconds(20));
        meta.heartbeat(s.session());
        clock.advance(Duration.ofSeconds(20));
        assertEquals(0, meta.getAttr(ctx(s), f.ino()).nlink(), "other expired but not yet swept: orphan kept");
        expect(Errno.ESTALE, () -> meta.getAttr(ctx(other), 1));
        assertEquals(1, meta.expireSessions());
        expect(Errno.ENOENT, () -> meta.getAttr(ctx(s), f.ino()));
        expect(Errno.ESTALE, () -> meta.heartbeat(other.session()));
        assertEquals(0, count(Keys.sessionOpens(other.session())));
        assertEquals(0, count(Keys.inVolume(vol, Keys.OPEN)));
        assertEquals(0, count(Keys.inVolume(vol, Keys.ORPHAN)));
        meta.heartbeat(s.session());
    }

    @Test
    void heartbeatOfAnExpiredSessionEndsIt() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, 2);
        clock.advance(Duration.ofSeconds(31));
        expect(Errno.ESTALE, () -> meta.heartbeat(s.session()));
        assertEquals(0, count(Keys.opens(vol, f.ino())));
        SessionInfo fresh = meta.openSession("v", "again");
        assertEquals(1, meta.getAttr(ctx(fresh), f.ino()).nlink());
    }

    @Test
    void aRestartedServiceGivesSessionsAFullTimeout() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, 2);
        meta.unlink(ctx(s), 1, "f");
        clock.advance(Duration.ofMinutes(10)); // the server was down for ten minutes
        LocalMetaService restarted = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        assertEquals(0, restarted.expireSessions());
        restarted.heartbeat(s.session());
        assertEquals(0, restarted.getAttr(ctx(s), f.ino()).nlink(), "the open orphan survived the restart");
        clock.advance(Duration.ofSeconds(31));
        assertEquals(1, restarted.expireSessions());
        SessionInfo other = restarted.openSession("v", "other");
        expect(Errno.ENOENT, () -> restarted.getAttr(ctx(other), f.ino()));
    }

    @Test
    void sessionTrafficSweepsExpiredSessions() {
        SessionInfo idle = meta.openSession("v", "idle");
        clock.advance(Duration.ofSeconds(31));
        meta.openSession("v", "newcomer");
        assertNull(kv.read(r -> r.get(Keys.session(idle.session()))));
    }

    @Test
    void requestLogIsBoundedOnHeartbeat() {
        int n = LocalMetaService.KEPT_REQUESTS + 50;
        for (int i = 1; i <= n; i++) meta.reserveBlockIds(ctx(s).withRequestId(i), 1);
        assertEquals(n, count(Keys.requests(s.session())));
        meta.heartbeat(s.session());
        assertEquals(LocalMetaService.KEPT_REQUESTS, count(Keys.requests(s.session())));
        assertNull(kv.read(r -> r.get(Keys.request(s.session(), 50))), "oldest pruned");
        assertNotNull(kv.read(r -> r.get(Keys.request(s.session(), n))));
        meta.closeSession(s.session());
        assertEquals(0, count(Keys.requests(s.session())));
    }

    @Test
    void replacedAndDroppedBlocksBecomeGarbage() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, 2);
        long id = meta.reserveBlockIds(ctx(s), 10);
        meta.commitBlocks(ctx(s), f.ino(), List.of(new BlockRef(0, id, BS, BS, 0), new BlockRef(1, id + 1, BS, BS, 0),
                new BlockRef(2, id + 2, 10, 10, 0)), 2L * BS + 10, 0);
        assertEquals(0, count(Keys.inVolume(vol, Keys.GARBAGE)));
        clock.advance(Duration.ofSeconds(1));
        meta.commitBlocks(ctx(s), f.ino(), List.of(new BlockRef(0, id + 3, BS, BS, 0)), 0, 0);
        meta.commitBlocks(ctx(s), f.ino(), List.of(new BlockRef(0, id + 3, BS, BS, 0)), 0, 0);
        meta.setAttr(ctx(s), f.ino(), SetAttr.size(BS));
        meta.release(ctx(s), f.ino());
        meta.unlink(ctx(s), 1, "f");
        List<KvEntry> garbage = kv.read(r -> r.scan(Keys.inVolume(vol, Keys.GARBAGE),
                Keys.end(Keys.inVolume(vol, Keys.GARBAGE)), 100));
        Set<Long> ids = new HashSet<>();
        for (KvEntry e : garbage) {
            ids.add(Keys.longAt(e.key(), 18));
            assertTrue(Keys.longAt(e.key(), 10) > 0, "time recorded");
            assertEquals(f.ino(), ByteBuffer.wrap(e.value()).getLong());
        }
        assertEquals(Set.of(id, id + 1, id + 2, id + 3), ids, "every block ever replaced or dropped, once");
        assertEquals(0, count(Keys.blocks(vol, f.ino())));
    }

    @Test
    void everyMutationAppendsOneJournalRecord() {
        byte[] journal = Keys.inVolume(vol, Keys.JOURNAL);
        int before = count(journal);
        meta.mkdir(ctx(s), 1, "d", 0755);
        Attr f = meta.create(ctx(s), 1, "f", 0644, 2);
        meta.rename(ctx(s), 1, "f", 1, "g", 0);
        expect(Errno.EEXIST, () -> meta.mkdir(ctx(s), 1, "d", 0755));
        meta.reserveBlockIds(ctx(s), 1);
        assertEquals(before + 3, count(journal), "failed and non-namespace mutations write none");
        List<String> ops = kv.read(r -> r.scan(journal, Keys.end(journal), 100)).stream().skip(before).map(e -> {
            try {
                var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(e.value()));
                in.readByte();
                in.readLong();
                return in.readUTF();
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        }).toList();
        assertEquals(List.of("mkdir", "create", "rename"), ops, "key order is commit order under a frozen clock");
        meta.release(ctx(s), f.ino());
        meta.createVolume(new VolumeSpec("nohistory", "mem://n", BS, "none", 0));
        SessionInfo n = meta.openSession("nohistory", "t");
        meta.mkdir(ctx(n), 1, "d", 0755);
        long nvol = kv.read(r -> Volumes.byName(r, "nohistory").id());
        assertEquals(0, count(Keys.inVolume(nvol, Keys.JOURNAL)), "retention 0: no history kept");
    }

    @Test
    void missingArgumentsAreEinvalNotCrashes() {
        expect(Errno.EINVAL, () -> meta.getAttr(null, 1));
        expect(Errno.EINVAL, () -> meta.mkdir(new Ctx(s.session(), 0, null), 1, "x", 0755));
        expect(Errno.EINVAL, () -> meta.lookup(ctx(s), 1, null));
        expect(Errno.EINVAL, () -> meta.create(ctx(s), 1, null, 0644, 2));
        expect(Errno.EINVAL, () -> meta.setAttr(ctx(s), 1, null));
        expect(Errno.EINVAL, () -> meta.commitBlocks(ctx(s), 1, null, 0, 0));
        expect(Errno.EINVAL, () -> meta.volume(null));
        expect(Errno.EINVAL, () -> meta.openSession(null, "x"));
        expect(Errno.EINVAL, () -> meta.createVolume(null));
    }

    @Test
    void deletingAVolumeLeavesNoKeysBehind() {
        Attr f = meta.create(ctx(s), 1, "f", 0644, 2);
        meta.commitBlocks(ctx(s), f.ino(), List.of(new BlockRef(0, meta.reserveBlockIds(ctx(s), 1), 5, 5, 0)), 5, 0);
        meta.setXattr(ctx(s), f.ino(), "user.x", new byte[]{1}, 0);
        meta.mkdir(ctx(s).withRequestId(9), 1, "d", 0755);
        meta.unlink(ctx(s), 1, "f");
        meta.createVolume(new VolumeSpec("keep", "mem://k", BS, "none", 0));
        SessionInfo keep = meta.openSession("keep", "k");
        meta.mkdir(ctx(keep), 1, "stays", 0755);
        meta.deleteVolume("v");
        assertEquals(0, count(Keys.volumeData(vol)));
        assertEquals(0, count(Keys.requests(s.session())));
        assertEquals(0, count(Keys.sessionOpens(s.session())));
        assertNull(kv.read(r -> r.get(Keys.session(s.session()))));
        assertNull(kv.read(r -> r.get(Keys.volume(vol))));
        assertNull(kv.read(r -> r.get(Keys.volumeName("v"))));
        assertTrue(meta.lookup(ctx(keep), 1, "stays").isDir());
        assertTrue(kv.read(Volumes::retired).isEmpty());
    }

    @Test
    void aPurgeCutShortByACrashResumes() {
        for (int i = 0; i < 50; i++) meta.mkdir(ctx(s), 1, "d" + i, 0755);
        long id = kv.write(w -> Volumes.retire(w, "v"));
        kv.write(w -> Volumes.purge(w, id, 7)); // the server died after one small batch
        assertTrue(count(Keys.volumeData(vol)) > 0);
        expect(Errno.ENOENT, () -> meta.volume("v"));
        LocalMetaService restarted = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        restarted.purgeRetiredVolumes();
        assertEquals(0, count(Keys.volumeData(vol)));
        assertTrue(kv.read(Volumes::retired).isEmpty());
    }

    @Test
    void historyOlderThanTheRetentionWindowIsPruned() {
        byte[] journal = Keys.inVolume(vol, Keys.JOURNAL);
        meta.mkdir(ctx(s), 1, "old", 0755);
        clock.advance(Duration.ofMinutes(30));
        SessionInfo s2 = meta.openSession("v", "later"); // session traffic runs the sweep
        meta.mkdir(ctx(s2), 1, "middle", 0755);
        assertEquals(2, count(journal));
        clock.advance(Duration.ofMinutes(45)); // "old" is 75 minutes old, "middle" 45; retention 60
        SessionInfo s3 = meta.openSession("v", "latest");
        meta.mkdir(ctx(s3), 1, "new", 0755);
        assertEquals(2, count(journal), "the sweep dropped the record of \"old\"");
        assertEquals(0, meta.pruneHistory());
        clock.advance(Duration.ofHours(2));
        assertEquals(2, meta.pruneHistory());
        assertEquals(0, count(journal));
    }

    @Test
    void inodeNumbersStayUniqueAcrossServiceRestarts() {
        Set<Long> inos = new HashSet<>();
        for (int i = 0; i < 5; i++) assertTrue(inos.add(meta.mkdir(ctx(s), 1, "a" + i, 0755).ino()));
        LocalMetaService second = new LocalMetaService(kv, clock, Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) assertTrue(inos.add(second.mkdir(ctx(s), 1, "b" + i, 0755).ino()));
        for (int i = 0; i < 5; i++) assertTrue(inos.add(meta.mkdir(ctx(s), 1, "c" + i, 0755).ino()));
        assertFalse(inos.contains(1L));
    }

    @Test
    void failedMutationWithRequestIdLeavesNoTrace() {
        meta.mkdir(ctx(s), 1, "d", 0755);
        Attr rootBefore = meta.getAttr(ctx(s), 1);
        clock.advance(Duration.ofSeconds(1));
        expect(Errno.EEXIST, () -> meta.mkdir(ctx(s).withRequestId(77), 1, "d", 0755));
        assertEquals(rootBefore, meta.getAttr(ctx(s), 1));
        assertEquals(2, meta.statFs(ctx(s)).usedInodes());
    }
}
