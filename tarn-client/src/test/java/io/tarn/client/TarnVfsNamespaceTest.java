package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tarn.client.VfsFixture.USER;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class TarnVfsNamespaceTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final TarnVfs vfs = fx.client();
    private final long root = vfs.rootIno();
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private static Errno errno(Runnable r) {
        return assertThrows(FsException.class, r::run).errno();
    }

    @Test
    void mkdirLookupGetattrRmdir() {
        Attr d = vfs.mkdir(c, root, "d", 0755);
        assertTrue(d.isDir());
        assertEquals(d.ino(), vfs.lookup(c, root, "d").ino());
        assertEquals(0755, vfs.getattr(c, d.ino()).perms());
        assertEquals(Errno.EEXIST, errno(() -> vfs.mkdir(c, root, "d", 0755)));
        vfs.mkdir(c, d.ino(), "sub", 0700);
        assertEquals(Errno.ENOTEMPTY, errno(() -> vfs.rmdir(c, root, "d")));
        vfs.rmdir(c, d.ino(), "sub");
        vfs.rmdir(c, root, "d");
        assertEquals(Errno.ENOENT, errno(() -> vfs.lookup(c, root, "d")));
    }

    @Test
    void mknodAndUnlink() {
        Attr f = vfs.mknod(c, root, "fifo", Attr.S_IFIFO | 0644, 0);
        assertEquals(Attr.S_IFIFO, f.type());
        Attr r = vfs.mknod(c, root, "plain", Attr.S_IFREG | 0600, 0);
        assertTrue(r.isFile());
        vfs.unlink(c, root, "fifo");
        assertEquals(Errno.ENOENT, errno(() -> vfs.lookup(c, root, "fifo")));
        assertEquals(Errno.ENOENT, errno(() -> vfs.unlink(c, root, "fifo")));
    }

    @Test
    void symlinkAndReadlink() {
        Attr s = vfs.symlink(c, root, "ln", "some/where");
        assertTrue(s.isSymlink());
        assertEquals("some/where", vfs.readlink(c, s.ino()));
    }

    @Test
    void hardLinksShareTheInode() {
        Vfs.Created f = vfs.create(c, root, "a", 0644, OpenFlags.O_RDWR);
        vfs.write(f.fh(), 0, VfsFixture.buf("hello".getBytes(StandardCharsets.UTF_8)));
        vfs.release(f.fh());
        Attr l = vfs.link(c, f.attr().ino(), root, "b");
        assertEquals(f.attr().ino(), l.ino());
        assertEquals(2, l.nlink());
        vfs.unlink(c, root, "a");
        long fh = vfs.open(c, vfs.lookup(c, root, "b").ino(), OpenFlags.O_RDONLY);
        assertEquals("hello", new String(VfsFixture.bytes(vfs.read(fh, 0, 100)), StandardCharsets.UTF_8));
        vfs.release(fh);
    }

    @Test
    void renameReplacesAndHonoursFlags() {
        Attr a = vfs.mknod(c, root, "a", Attr.S_IFREG | 0644, 0);
        Attr b = vfs.mknod(c, root, "b", Attr.S_IFREG | 0644, 0);
        assertEquals(Errno.EEXIST, errno(() -> vfs.rename(c, root, "a", root, "b", MetaService.RENAME_NOREPLACE)));
        vfs.rename(c, root, "a", root, "b", 0);
        assertEquals(a.ino(), vfs.lookup(c, root, "b").ino());
        assertEquals(Errno.ENOENT, errno(() -> vfs.lookup(c, root, "a")));
        Attr d = vfs.mkdir(c, root, "d", 0755);
        vfs.rename(c, root, "b", d.ino(), "moved", 0);
        assertEquals(a.ino(), vfs.lookup(c, d.ino(), "moved").ino());
        assertNotEquals(b.ino(), a.ino());
    }

    @Test
    void setattrChmodChownUtimens() {
        Attr f = vfs.mknod(c, root, "f", Attr.S_IFREG | 0644, 0);
        assertEquals(0600, vfs.setattr(c, f.ino(), SetAttr.mode(0600)).perms());
        Attr o = vfs.setattr(c, f.ino(), SetAttr.owner(1000, 1000));
        assertEquals(1000, o.uid());
        Attr t = vfs.setattr(c, f.ino(), SetAttr.times(1_000_000_000L, 2_000_000_000L));
        assertEquals(1_000_000_000L, t.atimeNs());
        assertEquals(2_000_000_000L, t.mtimeNs());
        assertEquals(Errno.EPERM, errno(() -> vfs.setattr(USER, f.ino(), SetAttr.owner(0, 0))));
    }

    @Test
    void accessAndPermissionChecks() {
        Attr f = vfs.mknod(c, root, "secret", Attr.S_IFREG | 0600, 0);
        vfs.access(c, f.ino(), MetaService.R_OK | MetaService.W_OK);
        assertEquals(Errno.EACCES, errno(() -> vfs.access(USER, f.ino(), MetaService.R_OK)));
        assertEquals(Errno.EACCES, errno(() -> vfs.open(USER, f.ino(), OpenFlags.O_RDONLY)));
    }

    @Test
    void xattrs() {
        Attr f = vfs.mknod(c, root, "x", Attr.S_IFREG | 0644, 0);
        vfs.setxattr(c, f.ino(), "user.k", new byte[]{1, 2}, 0);
        assertArrayEquals(new byte[]{1, 2}, vfs.getxattr(c, f.ino(), "user.k"));
        assertEquals(List.of("user.k"), vfs.listxattr(c, f.ino()));
        assertEquals(Errno.EEXIST, errno(() -> vfs.setxattr(c, f.ino(), "user.k", new byte[]{3}, MetaService.XATTR_CREATE)));
        vfs.removexattr(c, f.ino(), "user.k");
        assertEquals(Errno.ENODATA, errno(() -> vfs.getxattr(c, f.ino(), "user.k")));
    }

    @Test
    void statfsCountsUsage() {
        Vfs.Created f = vfs.create(c, root, "big", 0644, OpenFlags.O_WRONLY);
        vfs.write(f.fh(), 0, VfsFixture.buf(new byte[100_000]));
        vfs.release(f.fh());
        io.tarn.api.StatFs s = vfs.statfs(c);
        assertTrue(s.usedInodes() >= 2, s.toString());
        assertTrue(s.usedBytes() >= 100_000, s.toString());
    }

    @Test
    void unknownHandlesAreEbadf() {
        assertEquals(Errno.EBADF, errno(() -> vfs.read(999, 0, 1)));
        assertEquals(Errno.EBADF, errno(() -> vfs.release(999)));
        assertEquals(Errno.EBADF, errno(() -> vfs.readdir(999, 0, 1, false)));
    }

    @Test
    void directoriesOpenReadOnlyAndHoldNoData() {
        Attr d = vfs.mkdir(c, root, "dd", 0755);
        assertEquals(Errno.EISDIR, errno(() -> vfs.open(c, d.ino(), OpenFlags.O_RDWR)));
        long fh = vfs.open(c, d.ino(), OpenFlags.O_RDONLY);
        assertEquals(Errno.EISDIR, errno(() -> vfs.read(fh, 0, 10)));
        vfs.release(fh);
        Attr fifo = vfs.mknod(c, root, "p", Attr.S_IFIFO | 0644, 0);
        long ph = vfs.open(c, fifo.ino(), OpenFlags.O_RDONLY);
        assertEquals(Errno.EINVAL, errno(() -> vfs.read(ph, 0, 10)));
        vfs.release(ph);
    }

    @Test
    void opendirOnAFileIsEnotdir() {
        Attr f = vfs.mknod(c, root, "f", Attr.S_IFREG | 0644, 0);
        assertEquals(Errno.ENOTDIR, errno(() -> vfs.opendir(c, f.ino())));
    }
}
