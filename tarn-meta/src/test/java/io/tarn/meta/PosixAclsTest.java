package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** POSIX ACLs, the umask carried to the server, and a read's atime update, on the local service (ADR 0130, 0132). */
@Timeout(30)
class PosixAclsTest {
    private static final int USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20;
    private final MutableClock clock = new MutableClock();
    private LocalMetaService meta;
    private SessionInfo s;
    private long root;

    @BeforeEach
    void setUp() {
        meta = new LocalMetaService(new MemoryKvStore(), clock, Duration.ofDays(2)); // outlives the 25 h step below
        meta.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.MIN_BLOCK_SIZE, "none", 3600));
        s = meta.openSession("v", "test");
        root = s.volume().rootIno();
        meta.setAttr(as(0), root, SetAttr.mode(0777));
    }

    @AfterEach
    void close() {
        meta.close();
    }

    private Ctx as(int uid, int... groups) {
        return new Ctx(s.session(), 0, new Caller(uid, uid, groups, 1));
    }

    /** An ACL in the kernel's xattr format from (tag, perm, id) triples. */
    private static byte[] acl(int... e) {
        ByteBuffer b = ByteBuffer.allocate(4 + e.length / 3 * 8).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
        for (int i = 0; i < e.length; i += 3) b.putShort((short) e[i]).putShort((short) e[i + 1]).putInt(e[i + 2]);
        return b.array();
    }

    private static void expect(Errno errno, Runnable r) {
        FsException e = assertThrows(FsException.class, r::run);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    @Test
    void namedEntriesAreLimitedByTheMaskAndChmodMovesIt() {
        Attr f = meta.mknod(as(0), root, "f", Attr.S_IFREG | 0600, 0);
        meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS, acl(USER_OBJ, 6, -1, USER, 6, 1000, GROUP_OBJ, 0, -1, GROUP, 4, 3000,
                MASK, 6, -1, OTHER, 0, -1), 0);
        assertEquals(0660, meta.getAttr(as(0), f.ino()).perms(), "the group class shows the mask");
        meta.access(as(1000), f.ino(), MetaService.R_OK | MetaService.W_OK);
        meta.access(as(2000, 3000), f.ino(), MetaService.R_OK);
        expect(Errno.EACCES, () -> meta.access(as(2000, 3000), f.ino(), MetaService.W_OK));
        expect(Errno.EACCES, () -> meta.access(as(1001), f.ino(), MetaService.R_OK));
        meta.setAttr(as(0), f.ino(), SetAttr.mode(0640));
        expect(Errno.EACCES, () -> meta.access(as(1000), f.ino(), MetaService.W_OK));
        meta.access(as(1000), f.ino(), MetaService.R_OK);
        expect(Errno.EPERM, () -> meta.setXattr(as(1000), f.ino(), PosixAcl.ACCESS, acl(USER_OBJ, 7, -1, GROUP_OBJ, 7, -1, OTHER, 7, -1), 0));
        // An ACL that says no more than the mode is not kept.
        meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS, acl(USER_OBJ, 6, -1, GROUP_OBJ, 4, -1, OTHER, 0, -1), 0);
        expect(Errno.ENODATA, () -> meta.getXattr(as(0), f.ino(), PosixAcl.ACCESS));
        assertEquals(0640, meta.getAttr(as(0), f.ino()).perms());
    }

    @Test
    void badAclsAreRefused() {
        Attr f = meta.mknod(as(0), root, "f", Attr.S_IFREG | 0600, 0);
        expect(Errno.EINVAL, () -> meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS, new byte[] {1}, 0));
        expect(Errno.EINVAL, () -> meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS, acl(USER_OBJ, 6, -1, OTHER, 0, -1), 0));
        expect(Errno.EINVAL, () -> meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS,
                acl(USER_OBJ, 6, -1, USER, 4, 5, GROUP_OBJ, 4, -1, OTHER, 0, -1), 0), "named entries need a mask");
        expect(Errno.EINVAL, () -> meta.setXattr(as(0), f.ino(), PosixAcl.ACCESS,
                acl(GROUP_OBJ, 4, -1, USER_OBJ, 6, -1, OTHER, 0, -1), 0), "out of order");
        expect(Errno.EACCES, () -> meta.setXattr(as(0), f.ino(), PosixAcl.DEFAULT, acl(USER_OBJ, 6, -1, GROUP_OBJ, 4, -1, OTHER, 0, -1), 0));
        expect(Errno.ENOTSUP, () -> meta.setXattr(as(0), f.ino(), "system.other", new byte[1], 0));
    }

    private static void expect(Errno errno, Runnable r, String why) {
        FsException e = assertThrows(FsException.class, r::run, why);
        assertEquals(errno, e.errno(), why);
    }

    @Test
    void defaultAclsAreInheritedAndTheUmaskYieldsToThem() {
        Attr plain = meta.mkdir(as(0), root, "plain", MetaService.withUmask(Attr.S_IFDIR | 0777, 027));
        assertEquals(0750, plain.perms(), "no default ACL: the umask applies");
        Attr d = meta.mkdir(as(0), root, "d", 0755);
        meta.setXattr(as(0), d.ino(), PosixAcl.DEFAULT, acl(USER_OBJ, 7, -1, USER, 7, 1000, GROUP_OBJ, 5, -1, MASK, 7, -1, OTHER, 0, -1), 0);
        Attr f = meta.create(as(0), d.ino(), "f", MetaService.withUmask(0666, 077), 2);
        assertEquals(0660, f.perms(), "the umask is ignored; the mask follows the mode asked for");
        meta.access(as(1000), f.ino(), MetaService.W_OK);
        Attr sub = meta.mkdir(as(0), d.ino(), "sub", MetaService.withUmask(Attr.S_IFDIR | 0777, 077));
        assertNotNull(meta.getXattr(as(0), sub.ino(), PosixAcl.DEFAULT), "a new directory inherits the default ACL");
        assertNotNull(meta.getXattr(as(0), sub.ino(), PosixAcl.ACCESS));
        Attr link = meta.symlink(as(0), d.ino(), "l", "f");
        expect(Errno.ENODATA, () -> meta.getXattr(as(0), link.ino(), PosixAcl.ACCESS));
    }

    @Test
    void aReadUpdatesAtimeUnderRelatimeOnlyWhenDue() {
        Attr f = meta.mknod(as(0), root, "f", Attr.S_IFREG | 0644, 0);
        clock.advance(Duration.ofSeconds(5));
        Attr first = meta.setAttr(as(1000), f.ino(), SetAttr.readAtime(false));
        assertTrue(first.atimeNs() > f.atimeNs(), "atime not newer than mtime: updated");
        assertEquals(f.ctimeNs(), first.ctimeNs(), "ctime stays");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(first.atimeNs(), meta.setAttr(as(1000), f.ino(), SetAttr.readAtime(false)).atimeNs(), "newer than mtime: kept");
        assertTrue(meta.setAttr(as(1000), f.ino(), SetAttr.readAtime(true)).atimeNs() > first.atimeNs(), "strictatime: updated");
        clock.advance(Duration.ofHours(25));
        Attr day = meta.getAttr(as(0), f.ino());
        assertTrue(meta.setAttr(as(1000), f.ino(), SetAttr.readAtime(false)).atimeNs() > day.atimeNs(), "a day old: updated");
        meta.setAttr(as(0), f.ino(), SetAttr.mode(0600));
        expect(Errno.EACCES, () -> meta.setAttr(as(1000), f.ino(), SetAttr.readAtime(true)));
    }
}
