package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Lookup, node creation, links, removal, rename and directory listing. */
public abstract class NamespaceContract extends VolumeSessionContract {

    @Test
    void lookupFindsChildrenAndFailsLikePosix() {
        Attr d = meta.mkdir(root(), root, "d", 0755);
        assertEquals(d, meta.lookup(root(), root, "d"));
        Attr f = file(root(), d.ino(), "f", 0644);
        assertEquals(f.ino(), meta.lookup(root(), d.ino(), "f").ino());
        expect(Errno.ENOENT, () -> meta.lookup(root(), root, "missing"));
        expect(Errno.ENOTDIR, () -> meta.lookup(root(), f.ino(), "x"));
        expect(Errno.ENOENT, () -> meta.lookup(root(), 999_999_999L, "x"));
        expect(Errno.ENAMETOOLONG, () -> meta.lookup(root(), root, "n".repeat(256)));
        meta.setAttr(root(), d.ino(), SetAttr.mode(0700));
        expect(Errno.EACCES, () -> meta.lookup(user(1000, 1000), d.ino(), "f"));
        expect(Errno.ENOENT, () -> meta.getAttr(root(), 999_999_999L));
    }

    @Test
    void namesAreValidated() {
        for (String bad : List.of("", ".", "..", "a/b", "nul\0"))
            expect(Errno.EINVAL, () -> meta.mkdir(root(), root, bad, 0755));
        expect(Errno.ENAMETOOLONG, () -> meta.create(root(), root, "x".repeat(256), 0644, O_RDWR));
        expect(Errno.ENAMETOOLONG, () -> meta.mkdir(root(), root, "é".repeat(128), 0755));
        String longest = "y".repeat(255);
        meta.mkdir(root(), root, longest, 0755);
        assertTrue(names(root).contains(longest));
        String unicode = "日本語 ✓ name";
        file(root(), root, unicode, 0644);
        assertEquals(unicode, meta.readDir(root(), root, null, 10, false).entries().stream()
                .map(DirEntry::name).filter(unicode::equals).findFirst().orElseThrow());
    }

    @Test
    void createMakesAnOpenRegularFile() {
        Ctx u = user(1000, 1000);
        long d = openDir("d");
        Attr f = meta.create(u, d, "f", 0640, O_RDWR);
        assertTrue(f.isFile());
        assertEquals(0640, f.perms());
        assertEquals(1000, f.uid());
        assertEquals(1000, f.gid());
        assertEquals(1, f.nlink());
        assertEquals(0, f.size());
        assertTrue(f.mtimeNs() > 0 && f.ctimeNs() > 0);
        meta.release(u, f.ino());
        expect(Errno.EEXIST, () -> meta.create(u, d, "f", 0640, O_RDWR));
        expect(Errno.ENOTDIR, () -> meta.create(u, f.ino(), "g", 0640, O_RDWR));
        expect(Errno.EACCES, () -> meta.create(u, root, "g", 0640, O_RDWR));
        expect(Errno.ENOENT, () -> meta.create(root(), 999_999_999L, "g", 0644, O_RDWR));
    }

    @Test
    void mkdirCountsLinksAndInheritsSetgid() {
        Attr d = meta.mkdir(root(), root, "d", 0755);
        assertEquals(2, d.nlink());
        assertEquals(3, meta.getAttr(root(), root).nlink());
        meta.mkdir(root(), d.ino(), "e", 0755);
        assertEquals(3, meta.getAttr(root(), d.ino()).nlink());
        expect(Errno.EEXIST, () -> meta.mkdir(root(), root, "d", 0755));

        Attr shared = meta.mkdir(root(), root, "shared", 0777);
        meta.setAttr(root(), shared.ino(), new SetAttr(SetAttr.MODE | SetAttr.GID, 02777, 0, 500, 0, 0, 0, 0));
        Ctx u = user(1000, 1000);
        Attr sub = meta.mkdir(u, shared.ino(), "sub", 0755);
        assertEquals(500, sub.gid(), "group inherited from a setgid directory");
        assertEquals(Attr.S_ISGID, sub.mode() & Attr.S_ISGID, "subdirectories inherit setgid");
        Attr f = file(u, shared.ino(), "f", 0644);
        assertEquals(500, f.gid());
        assertEquals(0, f.mode() & Attr.S_ISGID);
        Attr plain = file(u, openDir("plain"), "f", 0644);
        assertEquals(1000, plain.gid());
        assertEquals(01755, meta.mkdir(root(), root, "bits", 07755).perms(), "mkdir keeps only rwx and sticky");
    }

    @Test
    void mknodMakesSpecialFiles() {
        Attr fifo = meta.mknod(root(), root, "fifo", Attr.S_IFIFO | 0600, 0);
        assertEquals(Attr.S_IFIFO, fifo.type());
        Attr dev = meta.mknod(root(), root, "dev", Attr.S_IFCHR | 0600, 0x0103);
        assertEquals(0x0103, dev.rdev());
        Attr reg = meta.mknod(root(), root, "reg", 0644, 0);
        assertTrue(reg.isFile());
        Attr sock = meta.mknod(root(), root, "sock", Attr.S_IFSOCK | 0644, 0);
        assertEquals(Attr.S_IFSOCK, sock.type());
        long d = openDir("open");
        expect(Errno.EPERM, () -> meta.mknod(user(1000, 1000), d, "dev", Attr.S_IFBLK | 0600, 1));
        expect(Errno.EPERM, () -> meta.mknod(root(), root, "dir", Attr.S_IFDIR | 0755, 0));
        expect(Errno.EEXIST, () -> meta.mknod(root(), root, "fifo", Attr.S_IFIFO | 0600, 0));
        assertEquals(Attr.S_IFIFO, meta.readDir(root(), root, null, 100, false).entries().stream()
                .filter(e -> e.name().equals("fifo")).findFirst().orElseThrow().type());
    }

    @Test
    void symlinksKeepTheirTarget() {
        Attr l = meta.symlink(root(), root, "l", "../some/where");
        assertTrue(l.isSymlink());
        assertEquals("../some/where".length(), l.size());
        assertEquals("../some/where", meta.readlink(root(), l.ino()));
        Attr f = file(root(), root, "f", 0644);
        expect(Errno.EINVAL, () -> meta.readlink(root(), f.ino()));
        expect(Errno.ENOENT, () -> meta.symlink(root(), root, "empty", ""));
        expect(Errno.EEXIST, () -> meta.symlink(root(), root, "l", "x"));
        expect(Errno.ENAMETOOLONG, () -> meta.symlink(root(), root, "long", "t".repeat(4096)));
    }

    @Test
    void hardLinks() {
        Attr f = file(root(), root, "f", 0644);
        Attr d = meta.mkdir(root(), root, "d", 0755);
        Attr linked = meta.link(root(), f.ino(), d.ino(), "g");
        assertEquals(2, linked.nlink());
        assertEquals(f.ino(), meta.lookup(root(), d.ino(), "g").ino());
        expect(Errno.EPERM, () -> meta.link(root(), d.ino(), root, "dirlink"));
        expect(Errno.EEXIST, () -> meta.link(root(), f.ino(), root, "d"));
        expect(Errno.ENOENT, () -> meta.link(root(), 999_999_999L, root, "x"));
        expect(Errno.ENOTDIR, () -> meta.link(root(), f.ino(), f.ino(), "x"));
        meta.unlink(root(), root, "f");
        assertEquals(1, meta.getAttr(root(), f.ino()).nlink());
        meta.unlink(root(), d.ino(), "g");
        expect(Errno.ENOENT, () -> meta.getAttr(root(), f.ino()));
    }

    @Test
    void unlinkAndRmdir() {
        Attr d = meta.mkdir(root(), root, "d", 0755);
        Attr f = file(root(), d.ino(), "f", 0644);
        expect(Errno.ENOENT, () -> meta.unlink(root(), root, "missing"));
        expect(Errno.EISDIR, () -> meta.unlink(root(), root, "d"));
        expect(Errno.ENOTEMPTY, () -> meta.rmdir(root(), root, "d"));
        expect(Errno.ENOTDIR, () -> meta.rmdir(root(), d.ino(), "f"));
        expect(Errno.ENOENT, () -> meta.rmdir(root(), root, "missing"));
        expect(Errno.EINVAL, () -> meta.rmdir(root(), root, "."));
        meta.unlink(root(), d.ino(), "f");
        expect(Errno.ENOENT, () -> meta.getAttr(root(), f.ino()));
        meta.rmdir(root(), root, "d");
        expect(Errno.ENOENT, () -> meta.getAttr(root(), d.ino()));
        assertEquals(2, meta.getAttr(root(), root).nlink());
    }

    @Test
    void removalNeedsWriteAccessAndRespectsStickyDirectories() {
        Attr tmp = meta.mkdir(root(), root, "tmp", 0777);
        meta.setAttr(root(), tmp.ino(), SetAttr.mode(01777));
        Ctx alice = user(1000, 1000), bob = user(1001, 1001);
        file(alice, tmp.ino(), "alices", 0666);
        expect(Errno.EPERM, () -> meta.unlink(bob, tmp.ino(), "alices"));
        expect(Errno.EPERM, () -> meta.rename(bob, tmp.ino(), "alices", tmp.ino(), "mine", 0));
        file(bob, tmp.ino(), "bobs", 0666);
        expect(Errno.EPERM, () -> meta.rename(alice, tmp.ino(), "bobs", tmp.ino(), "other", 0));
        file(alice, tmp.ino(), "alices2", 0666);
        expect(Errno.EPERM, () -> meta.rename(alice, tmp.ino(), "alices2", tmp.ino(), "bobs", 0));
        meta.rename(bob, tmp.ino(), "bobs", tmp.ino(), "bobs2", 0);
        meta.unlink(alice, tmp.ino(), "alices");
        meta.unlink(root(), tmp.ino(), "bobs2");
        Attr locked = meta.mkdir(root(), root, "locked", 0755);
        file(root(), locked.ino(), "f", 0666);
        expect(Errno.EACCES, () -> meta.unlink(alice, locked.ino(), "f"));
    }

    @Test
    void everyNameChangeNeedsWriteAndSearchPermission() {
        Ctx u = user(1000, 1000);
        Attr locked = meta.mkdir(root(), root, "locked", 0755);
        Attr f = file(root(), root, "f", 0644);
        long l = locked.ino();
        file(root(), l, "victim", 0666);
        meta.mkdir(root(), l, "sub", 0777);
        expect(Errno.EACCES, () -> meta.mkdir(u, l, "x", 0755));
        expect(Errno.EACCES, () -> meta.mknod(u, l, "x", Attr.S_IFIFO | 0644, 0));
        expect(Errno.EACCES, () -> meta.symlink(u, l, "x", "t"));
        expect(Errno.EACCES, () -> meta.link(u, f.ino(), l, "x"));
        expect(Errno.EACCES, () -> meta.unlink(u, l, "victim"));
        expect(Errno.EACCES, () -> meta.rmdir(u, l, "sub"));
        expect(Errno.EACCES, () -> meta.rename(u, l, "victim", l, "x", 0));
        Attr noSearch = meta.mkdir(root(), root, "nosearch", 0777);
        meta.setAttr(root(), noSearch.ino(), SetAttr.mode(0776));
        file(root(), noSearch.ino(), "inside", 0666);
        expect(Errno.EACCES, () -> meta.mkdir(u, noSearch.ino(), "x", 0755));
        expect(Errno.EACCES, () -> meta.unlink(u, noSearch.ino(), "inside"));
        long open = openDir("open");
        meta.mkdir(u, open, "x", 0755);
        meta.mknod(u, open, "fifo", Attr.S_IFIFO | 0644, 0);
        meta.symlink(u, open, "sym", "t");
        meta.link(u, f.ino(), open, "hard");
        meta.rename(u, open, "fifo", open, "fifo2", 0);
        meta.unlink(u, open, "fifo2");
        meta.rmdir(u, open, "x");
        assertEquals(List.of("hard", "sym"), names(open));
        Attr sym = meta.lookup(root(), open, "sym");
        expect(Errno.ELOOP, () -> meta.open(root(), sym.ino(), O_RDONLY));
        expect(Errno.EINVAL, () -> meta.access(root(), f.ino(), 8));
    }

    @Test
    void renameMovesAndReplaces() {
        Attr a = meta.mkdir(root(), root, "a", 0755);
        Attr b = meta.mkdir(root(), root, "b", 0755);
        Attr f = file(root(), a.ino(), "f", 0644);
        meta.rename(root(), a.ino(), "f", b.ino(), "g", 0);
        expect(Errno.ENOENT, () -> meta.lookup(root(), a.ino(), "f"));
        assertEquals(f.ino(), meta.lookup(root(), b.ino(), "g").ino());
        Attr victim = file(root(), a.ino(), "victim", 0644);
        meta.rename(root(), b.ino(), "g", a.ino(), "victim", 0);
        assertEquals(f.ino(), meta.lookup(root(), a.ino(), "victim").ino());
        expect(Errno.ENOENT, () -> meta.getAttr(root(), victim.ino()));
        expect(Errno.ENOENT, () -> meta.rename(root(), a.ino(), "missing", b.ino(), "x", 0));
        meta.rename(root(), a.ino(), "victim", a.ino(), "victim", 0);
        assertEquals(List.of("victim"), names(a.ino()));
    }

    @Test
    void renameFlags() {
        file(root(), root, "x", 0644);
        file(root(), root, "y", 0644);
        long x = meta.lookup(root(), root, "x").ino(), y = meta.lookup(root(), root, "y").ino();
        expect(Errno.EEXIST, () -> meta.rename(root(), root, "x", root, "y", MetaService.RENAME_NOREPLACE));
        meta.rename(root(), root, "x", root, "z", MetaService.RENAME_NOREPLACE);
        meta.rename(root(), root, "z", root, "y", MetaService.RENAME_EXCHANGE);
        assertEquals(x, meta.lookup(root(), root, "y").ino());
        assertEquals(y, meta.lookup(root(), root, "z").ino());
        expect(Errno.ENOENT, () -> meta.rename(root(), root, "y", root, "nothing", MetaService.RENAME_EXCHANGE));
        expect(Errno.EINVAL, () -> meta.rename(root(), root, "y", root, "z",
                MetaService.RENAME_EXCHANGE | MetaService.RENAME_NOREPLACE));
        Attr d = meta.mkdir(root(), root, "d", 0755);
        meta.mkdir(root(), d.ino(), "sub", 0755);
        meta.rename(root(), root, "y", d.ino(), "sub", MetaService.RENAME_EXCHANGE);
        assertTrue(meta.lookup(root(), root, "y").isDir());
        assertEquals(4, meta.getAttr(root(), root).nlink(), "root gained subdirectory y, has d");
        assertEquals(2, meta.getAttr(root(), d.ino()).nlink(), "d lost its subdirectory");
    }

    @Test
    void renameOfDirectoriesKeepsTheTreeSound() {
        Attr a = meta.mkdir(root(), root, "a", 0755);
        Attr ab = meta.mkdir(root(), a.ino(), "b", 0755);
        Attr abc = meta.mkdir(root(), ab.ino(), "c", 0755);
        expect(Errno.EINVAL, () -> meta.rename(root(), root, "a", abc.ino(), "a", 0));
        expect(Errno.EINVAL, () -> meta.rename(root(), root, "a", ab.ino(), "x", 0));
        expect(Errno.EINVAL, () -> meta.rename(root(), root, "a", abc.ino(), "c2", MetaService.RENAME_NOREPLACE));
        Attr f = file(root(), root, "f", 0644);
        expect(Errno.ENOTDIR, () -> meta.rename(root(), root, "a", root, "f", 0));
        expect(Errno.EISDIR, () -> meta.rename(root(), root, "f", root, "a", 0));
        expect(Errno.ENOTEMPTY, () -> meta.rename(root(), a.ino(), "b", root, "a", 0));
        meta.rename(root(), ab.ino(), "c", root, "c", 0);
        assertEquals(4, meta.getAttr(root(), root).nlink());
        assertEquals(2, meta.getAttr(root(), ab.ino()).nlink());
        assertEquals(root, meta.lookup(root(), abc.ino(), "..").ino());
        Attr empty = meta.mkdir(root(), root, "empty", 0755);
        meta.rename(root(), root, "c", root, "empty", 0);
        expect(Errno.ENOENT, () -> meta.getAttr(root(), empty.ino()));
        assertEquals(4, meta.getAttr(root(), root).nlink());
        assertTrue(meta.getAttr(root(), f.ino()).isFile());
    }

    @Test
    void renameChecksPermissions() {
        Ctx u = user(1000, 1000);
        long open = openDir("open");
        Attr locked = meta.mkdir(root(), root, "locked", 0755);
        file(u, open, "f", 0644);
        expect(Errno.EACCES, () -> meta.rename(u, open, "f", locked.ino(), "f", 0));
        Attr d = meta.mkdir(u, open, "mine", 0555);
        long other = openDir("other");
        expect(Errno.EACCES, () -> meta.rename(u, open, "mine", other, "mine", 0));
        meta.rename(u, open, "mine", open, "renamed", 0);
        assertEquals(d.ino(), meta.lookup(u, open, "renamed").ino());
    }

    @Test
    void readDirPagesInNameOrder() {
        Attr d = meta.mkdir(root(), root, "d", 0755);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String n = String.format("n%02d", i);
            expected.add(n);
            if (i % 5 == 0) meta.mkdir(root(), d.ino(), n, 0755);
            else file(root(), d.ino(), n, 0644);
        }
        DirPage p1 = meta.readDir(root(), d.ino(), null, 10, false);
        assertEquals(10, p1.entries().size());
        assertTrue(p1.more());
        assertNull(p1.entries().getFirst().attr());
        DirPage p2 = meta.readDir(root(), d.ino(), p1.entries().getLast().name(), 10, true);
        DirPage p3 = meta.readDir(root(), d.ino(), p2.entries().getLast().name(), 10, true);
        assertEquals(5, p3.entries().size());
        assertFalse(p3.more());
        List<String> all = new ArrayList<>();
        for (DirPage p : List.of(p1, p2, p3)) p.entries().forEach(e -> all.add(e.name()));
        assertEquals(expected, all);
        DirEntry first = p2.entries().getFirst();
        assertEquals("n10", first.name());
        assertEquals(Attr.S_IFDIR, first.type());
        assertEquals(first.ino(), first.attr().ino());
        assertTrue(first.attr().isDir());
        assertEquals(Attr.S_IFREG, p2.entries().get(1).type());
        DirPage exact = meta.readDir(root(), d.ino(), "n19", 5, false);
        assertEquals(5, exact.entries().size());
        assertFalse(exact.more());
        assertTrue(meta.readDir(root(), d.ino(), "zzz", 5, false).entries().isEmpty());
        DirPage everything = meta.readDir(root(), d.ino(), null, Integer.MAX_VALUE, false);
        assertEquals(25, everything.entries().size());
        assertFalse(everything.more());
        expect(Errno.EINVAL, () -> meta.readDir(root(), d.ino(), null, 0, false));
        assertEquals("n00", meta.readDir(root(), d.ino(), "a", 1, false).entries().getFirst().name());
        Attr f = meta.lookup(root(), d.ino(), "n01");
        expect(Errno.ENOTDIR, () -> meta.readDir(root(), f.ino(), null, 10, false));
        meta.setAttr(root(), d.ino(), SetAttr.mode(0711));
        expect(Errno.EACCES, () -> meta.readDir(user(1000, 1000), d.ino(), null, 10, false));
        assertTrue(meta.readDir(root(), meta.mkdir(root(), root, "e", 0755).ino(), null, 10, false).entries().isEmpty());
    }

    @Test
    void timesMoveWithChanges() {
        Attr d = meta.mkdir(root(), root, "d", 0755);
        Attr f = file(root(), d.ino(), "f", 0644);
        Attr after = meta.getAttr(root(), d.ino());
        assertTrue(after.mtimeNs() >= d.mtimeNs());
        assertTrue(f.ctimeNs() >= d.ctimeNs());
        assertEquals(f.mtimeNs(), f.ctimeNs());
    }
}
