package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** setattr rules (chmod, chown, utimens, truncate), access(2), open and release. */
public abstract class AttrContract extends NamespaceContract {

    @Test
    void chmodByOwnerOrRootOnly() {
        Ctx alice = user(1000, 1000), bob = user(1001, 1001);
        Attr f = file(alice, openDir("d"), "f", 0644);
        Attr changed = meta.setAttr(alice, f.ino(), SetAttr.mode(0600));
        assertEquals(0600, changed.perms());
        assertTrue(changed.isFile(), "type bits kept");
        assertTrue(changed.ctimeNs() >= f.ctimeNs());
        expect(Errno.EPERM, () -> meta.setAttr(bob, f.ino(), SetAttr.mode(0777)));
        assertEquals(0755, meta.setAttr(root(), f.ino(), SetAttr.mode(0755)).perms());
        Attr sg = meta.setAttr(alice, f.ino(), SetAttr.mode(02755));
        assertEquals(02755, sg.perms(), "owner in the file's group may set setgid");
        meta.setAttr(root(), f.ino(), SetAttr.owner(-1, 2000));
        assertEquals(0, meta.setAttr(alice, f.ino(), SetAttr.mode(02755)).mode() & Attr.S_ISGID,
                "setgid dropped when the owner is not in the file's group");
        expect(Errno.ENOENT, () -> meta.setAttr(root(), 999_999_999L, SetAttr.mode(0644)));
    }

    @Test
    void chownRules() {
        Ctx alice = user(1000, 1000, 2000), bob = user(1001, 1001);
        Attr f = file(alice, openDir("d"), "f", 0644);
        expect(Errno.EPERM, () -> meta.setAttr(alice, f.ino(), SetAttr.owner(1001, -1)));
        expect(Errno.EPERM, () -> meta.setAttr(bob, f.ino(), SetAttr.owner(-1, 1001)));
        assertEquals(2000, meta.setAttr(alice, f.ino(), SetAttr.owner(-1, 2000)).gid(), "owner may pick a group she is in");
        expect(Errno.EPERM, () -> meta.setAttr(alice, f.ino(), SetAttr.owner(-1, 3000)));
        assertEquals(1000, meta.setAttr(alice, f.ino(), SetAttr.owner(1000, -1)).uid(), "chown to oneself is allowed");
        meta.setAttr(root(), f.ino(), SetAttr.mode(06755));
        Attr after = meta.setAttr(root(), f.ino(), SetAttr.owner(1001, 1001));
        assertEquals(1001, after.uid());
        assertEquals(1001, after.gid());
        assertEquals(0, after.mode() & (Attr.S_ISUID | Attr.S_ISGID), "chown clears setuid and setgid");
        Attr d = meta.mkdir(root(), root, "sgdir", 0755);
        meta.setAttr(root(), d.ino(), SetAttr.mode(02755));
        assertEquals(Attr.S_ISGID, meta.setAttr(root(), d.ino(), SetAttr.owner(5, 5)).mode() & Attr.S_ISGID,
                "directories keep setgid");
    }

    @Test
    void utimensRules() {
        Ctx alice = user(1000, 1000), bob = user(1001, 1001);
        Attr f = file(alice, openDir("d"), "f", 0644);
        Attr t = meta.setAttr(alice, f.ino(), SetAttr.times(1_000_000_123L, 2_000_000_456L));
        assertEquals(1_000_000_123L, t.atimeNs());
        assertEquals(2_000_000_456L, t.mtimeNs());
        expect(Errno.EPERM, () -> meta.setAttr(bob, f.ino(), SetAttr.times(1, 2)));
        SetAttr now = new SetAttr(SetAttr.ATIME | SetAttr.MTIME | SetAttr.ATIME_NOW | SetAttr.MTIME_NOW, 0, 0, 0, 0, 0, 0, 0);
        expect(Errno.EACCES, () -> meta.setAttr(bob, f.ino(), now));
        meta.setAttr(alice, f.ino(), SetAttr.mode(0666));
        Attr touched = meta.setAttr(bob, f.ino(), now);
        assertTrue(touched.mtimeNs() > 2_000_000_456L, "a writer may set the times to now");
        assertEquals(touched.atimeNs(), touched.mtimeNs());
        Attr mOnly = meta.setAttr(alice, f.ino(), new SetAttr(SetAttr.MTIME, 0, 0, 0, 0, 0, 42, 0));
        assertEquals(42, mOnly.mtimeNs());
        assertEquals(touched.atimeNs(), mOnly.atimeNs());
    }

    @Test
    void accessChecksModeBits() {
        Ctx alice = user(1000, 1000), bob = user(1001, 1000), carol = user(1002, 1002, 1000), dave = user(1003, 1003);
        Attr f = file(alice, openDir("d"), "f", 0640);
        meta.access(alice, f.ino(), MetaService.R_OK | MetaService.W_OK);
        expect(Errno.EACCES, () -> meta.access(alice, f.ino(), MetaService.X_OK));
        meta.access(bob, f.ino(), MetaService.R_OK);
        expect(Errno.EACCES, () -> meta.access(bob, f.ino(), MetaService.W_OK));
        meta.access(carol, f.ino(), MetaService.R_OK);
        expect(Errno.EACCES, () -> meta.access(dave, f.ino(), MetaService.R_OK));
        meta.access(dave, f.ino(), MetaService.F_OK);
        meta.access(root(), f.ino(), MetaService.R_OK | MetaService.W_OK);
        expect(Errno.EACCES, () -> meta.access(root(), f.ino(), MetaService.X_OK));
        meta.setAttr(root(), f.ino(), SetAttr.mode(0604));
        expect(Errno.EACCES, () -> meta.access(bob, f.ino(), MetaService.R_OK));
        meta.access(dave, f.ino(), MetaService.R_OK);
        meta.setAttr(root(), f.ino(), SetAttr.mode(0001));
        meta.access(root(), f.ino(), MetaService.X_OK);
        meta.access(root(), root, MetaService.X_OK);
        expect(Errno.ENOENT, () -> meta.access(root(), 999_999_999L, MetaService.F_OK));
    }

    @Test
    void openChecksPermissionAndTruncates() {
        Ctx alice = user(1000, 1000), bob = user(1001, 1001);
        Attr f = file(alice, openDir("d"), "f", 0644);
        long id = meta.reserveBlockIds(root(), 1);
        meta.open(alice, f.ino(), O_WRONLY);
        meta.commitBlocks(alice, f.ino(), java.util.List.of(new io.tarn.api.BlockRef(0, id, 500, 500, 7)), 500, 0);
        meta.release(alice, f.ino());
        assertEquals(500, meta.open(bob, f.ino(), O_RDONLY).size());
        meta.release(bob, f.ino());
        expect(Errno.EACCES, () -> meta.open(bob, f.ino(), O_RDWR));
        expect(Errno.EACCES, () -> meta.open(bob, f.ino(), O_RDONLY | O_TRUNC));
        Attr t = meta.open(alice, f.ino(), O_WRONLY | O_TRUNC);
        assertEquals(0, t.size());
        assertTrue(meta.blocks(alice, f.ino(), 0, 10).isEmpty());
        meta.release(alice, f.ino());
        expect(Errno.EISDIR, () -> meta.open(root(), root, O_WRONLY));
        meta.release(root(), meta.open(root(), root, O_RDONLY).ino());
        expect(Errno.ENOENT, () -> meta.open(root(), 999_999_999L, O_RDONLY));
        expect(Errno.EBADF, () -> meta.release(root(), f.ino()));
    }

    @Test
    void unlinkedOpenFileLivesUntilLastRelease() {
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        meta.open(root(), f.ino(), O_RDONLY);
        meta.unlink(root(), root, "f");
        expect(Errno.ENOENT, () -> meta.lookup(root(), root, "f"));
        Attr orphan = meta.getAttr(root(), f.ino());
        assertEquals(0, orphan.nlink());
        long id = meta.reserveBlockIds(root(), 1);
        meta.commitBlocks(root(), f.ino(), java.util.List.of(new io.tarn.api.BlockRef(0, id, 10, 10, 0)), 10, 0);
        meta.release(root(), f.ino());
        assertEquals(10, meta.getAttr(root(), f.ino()).size(), "one open is left");
        expect(Errno.ENOENT, () -> meta.link(root(), f.ino(), root, "resurrect"));
        meta.release(root(), f.ino());
        expect(Errno.ENOENT, () -> meta.getAttr(root(), f.ino()));
        assertEquals(1, meta.statFs(root()).usedInodes());
    }

    @Test
    void renameOverAnOpenFileKeepsItUntilRelease() {
        Attr victim = meta.create(root(), root, "victim", 0644, O_RDWR);
        file(root(), root, "new", 0644);
        meta.rename(root(), root, "new", root, "victim", 0);
        assertEquals(0, meta.getAttr(root(), victim.ino()).nlink());
        meta.release(root(), victim.ino());
        expect(Errno.ENOENT, () -> meta.getAttr(root(), victim.ino()));
    }
}
