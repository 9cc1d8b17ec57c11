package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Volumes, sessions, request-id de-duplication and statfs. */
public abstract class VolumeSessionContract extends MetaServiceFixture {

    @Test
    void createdVolumeHasARootDirectory() {
        assertFalse(vol.uuid().isBlank());
        assertEquals(BLOCK, vol.blockSize());
        assertEquals("none", vol.compression());
        assertEquals(vol, meta.volume(vol.name()));
        assertTrue(meta.listVolumes().stream().anyMatch(v -> v.name().equals(vol.name())));
        Attr r = meta.getAttr(root(), root);
        assertTrue(r.isDir());
        assertEquals(2, r.nlink());
        assertEquals(root, r.ino());
        assertEquals(vol, session.volume());
    }

    @Test
    void volumeNamesAreUniqueAndUuidsDiffer() {
        VolumeInfo other = newVolume();
        assertNotEquals(vol.uuid(), other.uuid());
        expect(Errno.EEXIST, () -> meta.createVolume(new VolumeSpec(vol.name(), "mem://x", BLOCK, "lz4", 0)));
        List<String> names = meta.listVolumes().stream().map(VolumeInfo::name).toList();
        assertTrue(names.contains(vol.name()) && names.contains(other.name()));
        assertEquals(names.stream().sorted().toList(), names, "listed by name");
    }

    /** The proxy group a volume's blocks go through is stored with it (ADR 0140); none by default. */
    @Test
    void proxyGroupIsStoredWithTheVolume() {
        assertEquals("", vol.proxy());
        String name = "proxied-" + System.nanoTime();
        VolumeInfo v = meta.createVolume(new VolumeSpec(name, "mem://x", BLOCK, "lz4", 0, null, " p1:7480, [::1]:7481 ,"));
        assertEquals("p1:7480,[::1]:7481", v.proxy());
        assertEquals("p1:7480,[::1]:7481", meta.volume(name).proxy());
        assertEquals("p1:7480,[::1]:7481", meta.openSession(name, "reader").volume().proxy());
        expect(Errno.EINVAL, () -> meta.createVolume(new VolumeSpec(name + "x", "mem://x", BLOCK, "lz4", 0, null, "no-port")));
        assertEquals("p2:1", meta.setVolumeProxy(name, "p2:1").proxy());
        assertEquals("p2:1", meta.volume(name).proxy());
        assertEquals("p2:1", meta.openSession(name, "later").volume().proxy());
        assertEquals("", meta.setVolumeProxy(name, "").proxy());
        assertEquals("", meta.volume(name).proxy());
        expect(Errno.EINVAL, () -> meta.setVolumeProxy(name, "p:0"));
        expect(Errno.ENOENT, () -> meta.setVolumeProxy("no-such-volume-" + System.nanoTime(), "p:1"));
    }

    /** Encryption settings are stored as given (no key ever reaches the service) and key generations append. */
    @Test
    void encryptionSettingsAreStoredAndKeyGenerationsAppend() {
        assertEquals(VolumeEncryption.NONE, vol.encryption(), "a volume created without them is unencrypted");
        byte[] check1 = new byte[VolumeEncryption.KEY_CHECK_BYTES], check2 = new byte[VolumeEncryption.KEY_CHECK_BYTES];
        check1[0] = 1;
        check2[0] = 2;
        VolumeEncryption.Kdf kdf = new VolumeEncryption.Kdf("argon2id", new byte[16], 65536, 3, 1);
        VolumeEncryption e = VolumeEncryption.aesGcm(true, new VolumeEncryption.KeyGeneration(1, check1, null, kdf));
        String name = "enc-" + System.nanoTime();
        VolumeInfo v = meta.createVolume(new VolumeSpec(name, "mem://x", BLOCK, "zstd", 0, e));
        assertEquals(e, v.encryption());
        assertEquals(e, meta.volume(name).encryption());
        VolumeEncryption.KeyGeneration second = new VolumeEncryption.KeyGeneration(2, check2, new byte[VolumeEncryption.WRAPPED_KEY_BYTES], null);
        VolumeInfo rotated = meta.addVolumeKey(name, second);
        assertEquals(e.with(second), rotated.encryption());
        assertEquals(rotated, meta.addVolumeKey(name, second), "resending the same generation changes nothing");
        assertEquals(e.with(second), meta.volume(name).encryption());
        assertEquals(e.with(second), meta.openSession(name, "reader").volume().encryption());
        expect(Errno.EEXIST, () -> meta.addVolumeKey(name, new VolumeEncryption.KeyGeneration(2, check1, new byte[VolumeEncryption.WRAPPED_KEY_BYTES], null)));
        expect(Errno.EINVAL, () -> meta.addVolumeKey(name, new VolumeEncryption.KeyGeneration(4, check1, new byte[VolumeEncryption.WRAPPED_KEY_BYTES], null)));
        expect(Errno.EINVAL, () -> meta.addVolumeKey(vol.name(), second));
        expect(Errno.ENOENT, () -> meta.addVolumeKey("no-such-volume-" + System.nanoTime(), second));
    }

    @Test
    void unknownVolumes() {
        expect(Errno.ENOENT, () -> meta.volume("no-such-volume-" + System.nanoTime()));
        expect(Errno.ENOENT, () -> meta.deleteVolume("no-such-volume-" + System.nanoTime()));
        expect(Errno.ENOENT, () -> meta.openSession("no-such-volume-" + System.nanoTime(), "x"));
    }

    @Test
    void volumesAreIsolated() {
        VolumeInfo other = newVolume();
        SessionInfo s2 = meta.openSession(other.name(), "second");
        Ctx c2 = new Ctx(s2.session(), 0, root().caller());
        meta.mkdir(root(), root, "only-here", 0755);
        expect(Errno.ENOENT, () -> meta.lookup(c2, other.rootIno(), "only-here"));
        meta.mkdir(c2, other.rootIno(), "only-here", 0700);
        assertEquals(0755, meta.lookup(root(), root, "only-here").perms());
        assertEquals(0700, meta.lookup(c2, other.rootIno(), "only-here").perms());
    }

    @Test
    void deletedVolumeIsGoneAndItsSessionsStale() {
        VolumeInfo other = newVolume();
        SessionInfo s2 = meta.openSession(other.name(), "doomed");
        meta.deleteVolume(other.name());
        expect(Errno.ENOENT, () -> meta.volume(other.name()));
        assertFalse(meta.listVolumes().stream().anyMatch(v -> v.name().equals(other.name())));
        expect(Errno.ESTALE, () -> meta.getAttr(new Ctx(s2.session(), 0, root().caller()), other.rootIno()));
        VolumeInfo again = meta.createVolume(new VolumeSpec(other.name(), "mem://x", BLOCK, "lz4", 0));
        assertNotEquals(other.uuid(), again.uuid());
    }

    @Test
    void sessionsHeartbeatAndClose() {
        SessionInfo s2 = meta.openSession(vol.name(), "short-lived");
        assertNotEquals(session.session(), s2.session());
        meta.heartbeat(s2.session());
        meta.closeSession(s2.session());
        expect(Errno.ESTALE, () -> meta.heartbeat(s2.session()));
        expect(Errno.ESTALE, () -> meta.getAttr(new Ctx(s2.session(), 0, root().caller()), root));
        expect(Errno.ESTALE, () -> meta.mkdir(new Ctx(s2.session(), 0, root().caller()), root, "x", 0755));
        expect(Errno.ESTALE, () -> meta.heartbeat(Long.MAX_VALUE - 7));
    }

    @Test
    void closingASessionReleasesItsOpensAndDeletesOrphans() {
        SessionInfo s2 = meta.openSession(vol.name(), "holder");
        Ctx c2 = new Ctx(s2.session(), 0, root().caller());
        Attr f = meta.create(c2, root, "held", 0644, O_RDWR);
        meta.unlink(root(), root, "held");
        assertEquals(0, meta.getAttr(root(), f.ino()).nlink(), "open orphan lives on");
        long inodes = meta.statFs(root()).usedInodes();
        meta.closeSession(s2.session());
        expect(Errno.ENOENT, () -> meta.getAttr(root(), f.ino()));
        assertEquals(inodes - 1, meta.statFs(root()).usedInodes());
    }

    @Test
    void statFsCountsInodesAndBytes() {
        StatFs before = meta.statFs(root());
        assertEquals(1, before.usedInodes(), "root only");
        assertEquals(0, before.usedBytes());
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        meta.mkdir(root(), root, "d", 0755);
        long id = meta.reserveBlockIds(root(), 1);
        meta.commitBlocks(root(), f.ino(), List.of(new BlockRef(0, id, 1000, 1000, 0)), 1000, 0);
        StatFs after = meta.statFs(root());
        assertEquals(3, after.usedInodes());
        assertEquals(1000, after.usedBytes());
        meta.release(root(), f.ino());
        meta.unlink(root(), root, "f");
        assertEquals(2, meta.statFs(root()).usedInodes());
        assertEquals(0, meta.statFs(root()).usedBytes());
    }

    @Test
    void retriedMutationIsAppliedOnce() {
        Ctx once = root().withRequestId(nextRequestId());
        Attr first = meta.mkdir(once, root, "once", 0755);
        Attr again = meta.mkdir(once, root, "once", 0755);
        assertEquals(first, again, "the retry returns the first outcome, not EEXIST");
        assertEquals(3, meta.getAttr(root(), root).nlink());

        Ctx reserve = root().withRequestId(nextRequestId());
        long ids = meta.reserveBlockIds(reserve, 10);
        assertEquals(ids, meta.reserveBlockIds(reserve, 10));
        assertEquals(ids + 10, meta.reserveBlockIds(root(), 1));
    }

    @Test
    void retriedFailureFailsTheSameWay() {
        Ctx failing = root().withRequestId(nextRequestId());
        expect(Errno.ENOENT, () -> meta.unlink(failing, root, "absent"));
        file(root(), root, "absent", 0644);
        expect(Errno.ENOENT, () -> meta.unlink(failing, root, "absent"));
        meta.lookup(root(), root, "absent");
        meta.unlink(root().withRequestId(nextRequestId()), root, "absent");
        expect(Errno.ENOENT, () -> meta.lookup(root(), root, "absent"));
    }

    @Test
    void requestIdsAreScopedPerSession() {
        long id = nextRequestId();
        SessionInfo s2 = meta.openSession(vol.name(), "other");
        meta.mkdir(root().withRequestId(id), root, "a", 0755);
        FsException e = assertThrows(FsException.class,
                () -> meta.mkdir(new Ctx(s2.session(), id, root().caller()), root, "a", 0755));
        assertEquals(Errno.EEXIST, e.errno());
    }
}
