package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Names in directories: lookup, creation of every node type, links, removal and listing. */
final class Namespace {
    static final int LINK_MAX = 65000;
    /** The most entries one readDir page returns, whatever the caller asks; {@code more} says if there are others. */
    static final int MAX_PAGE = 100_000;

    private Namespace() {}

    static Attr lookup(VolumeTx t, long parent, String name) {
        InodeRecord p = t.dir(parent);
        if (name == null) throw FsException.of(Errno.EINVAL, "no name given");
        if (name.getBytes(StandardCharsets.UTF_8).length > Names.NAME_MAX)
            throw FsException.of(Errno.ENAMETOOLONG, "name longer than %d bytes", Names.NAME_MAX);
        Permissions.search(t, p, parent);
        if (name.equals(".")) return p.attr(parent);
        if (name.equals("..")) return p.parent() == 0 ? p.attr(parent) : t.attr(p.parent());
        long ino = name.isEmpty() || name.indexOf('/') >= 0 ? 0 : t.child(parent, name);
        if (ino == 0) throw FsException.of(Errno.ENOENT, "%s not found in %d", name, parent);
        return t.attr(ino);
    }

    /** Creates a node of any type under {@code parent}; {@code ino} was allocated by the caller. */
    /** {@code umask}: the caller's, when the client left it to the server (it yields to a default ACL); -1 if already applied. */
    static Attr makeNode(VolumeTx t, long parent, String name, int mode, int rdev, String target, long ino, int umask) {
        InodeRecord p = t.dir(parent);
        Names.check(name);
        Permissions.search(t, p, parent);
        if (t.child(parent, name) != 0) throw FsException.of(Errno.EEXIST, "%s exists", name);
        Permissions.modifyDir(t, p, parent);
        int type = mode & Attr.S_IFMT;
        boolean dir = type == Attr.S_IFDIR;
        // mkdir(2) keeps only the permission and sticky bits; setgid comes from the parent below.
        int asked = dir ? mode & 01777 : mode & 07777;
        int perms = Acls.createMode(t, parent, asked, umask, type == Attr.S_IFLNK);
        int gid = t.caller.gid();
        if ((p.mode() & Attr.S_ISGID) != 0) {
            gid = p.gid();
            if (dir) perms |= Attr.S_ISGID;
            else if ((perms & (Attr.S_ISGID | 010)) == (Attr.S_ISGID | 010)
                    && !t.caller.inGroup(gid) && !Permissions.isRoot(t.caller)) perms &= ~Attr.S_ISGID;
        }
        if (type == Attr.S_IFLNK) perms = 0777;
        InodeRecord node = new InodeRecord(type | perms, t.caller.uid(), gid, dir ? 2 : 1,
                type == Attr.S_IFCHR || type == Attr.S_IFBLK ? rdev : 0,
                target == null ? 0 : target.getBytes(StandardCharsets.UTF_8).length,
                t.now, t.now, t.now, dir ? parent : 0, target);
        if (dir && p.nlink() >= LINK_MAX) throw FsException.of(Errno.EMLINK, "too many subdirectories in %d", parent);
        t.addInode(ino, node);
        Acls.inherit(t, parent, ino, node, asked);
        t.putDentry(parent, name, ino, type);
        t.putInode(parent, (dir ? p.withNlink(p.nlink() + 1) : p).withTimes(p.atimeNs(), t.now, t.now));
        return node.attr(ino);
    }

    static int checkMknodType(int mode, boolean root) {
        int type = mode & Attr.S_IFMT;
        if (type == 0) return Attr.S_IFREG | (mode & 07777);
        return switch (type) {
            case Attr.S_IFREG, Attr.S_IFIFO, Attr.S_IFSOCK -> mode;
            case Attr.S_IFCHR, Attr.S_IFBLK -> {
                if (!root) throw FsException.of(Errno.EPERM, "only root may create device nodes");
                yield mode;
            }
            case Attr.S_IFDIR -> throw FsException.of(Errno.EPERM, "mknod cannot create directories");
            default -> throw FsException.of(Errno.EINVAL, "bad file type %o", type);
        };
    }

    static Attr link(VolumeTx t, long ino, long newParent, String newName) {
        InodeRecord r = t.inode(ino);
        if (r.isDir()) throw FsException.of(Errno.EPERM, "cannot hard-link a directory");
        InodeRecord p = t.dir(newParent);
        Names.check(newName);
        Permissions.search(t, p, newParent);
        if (t.child(newParent, newName) != 0) throw FsException.of(Errno.EEXIST, "%s exists", newName);
        Permissions.modifyDir(t, p, newParent);
        if (r.nlink() == 0) throw FsException.of(Errno.ENOENT, "inode %d has been removed", ino);
        if (r.nlink() >= LINK_MAX) throw FsException.of(Errno.EMLINK, "inode %d has too many links", ino);
        t.putDentry(newParent, newName, ino, r.type());
        InodeRecord after = r.withNlink(r.nlink() + 1).withCtime(t.now);
        t.putInode(ino, after);
        t.putInode(newParent, p.withTimes(p.atimeNs(), t.now, t.now));
        return after.attr(ino);
    }

    static void unlink(VolumeTx t, long parent, String name) {
        InodeRecord p = t.dir(parent);
        Names.check(name);
        Permissions.search(t, p, parent);
        long ino = t.child(parent, name);
        if (ino == 0) throw FsException.of(Errno.ENOENT, "%s not found", name);
        Permissions.modifyDir(t, p, parent);
        InodeRecord r = t.inode(ino);
        if (r.isDir()) throw FsException.of(Errno.EISDIR, "%s is a directory", name);
        Permissions.sticky(t.caller, p, r, name);
        t.deleteDentry(parent, name);
        t.putInode(parent, p.withTimes(p.atimeNs(), t.now, t.now));
        t.dropLink(ino, r);
    }

    static void rmdir(VolumeTx t, long parent, String name) {
        InodeRecord p = t.dir(parent);
        Names.check(name);
        Permissions.search(t, p, parent);
        long ino = t.child(parent, name);
        if (ino == 0) throw FsException.of(Errno.ENOENT, "%s not found", name);
        Permissions.modifyDir(t, p, parent);
        InodeRecord r = t.inode(ino);
        if (!r.isDir()) throw FsException.of(Errno.ENOTDIR, "%s is not a directory", name);
        Permissions.sticky(t.caller, p, r, name);
        if (t.hasChildren(ino)) throw FsException.of(Errno.ENOTEMPTY, "%s is not empty", name);
        t.deleteDentry(parent, name);
        t.putInode(parent, p.withNlink(p.nlink() - 1).withTimes(p.atimeNs(), t.now, t.now));
        t.destroyInode(ino, r);
    }

    static DirPage readDir(VolumeTx t, long ino, String after, int limit, boolean plus) {
        InodeRecord d = t.dir(ino);
        Permissions.check(t, d, MetaService.R_OK, ino);
        if (limit <= 0) throw FsException.of(Errno.EINVAL, "readdir limit must be positive");
        limit = Math.min(limit, MAX_PAGE);
        List<VolumeTx.Dentry> page = t.dentries(ino, after, limit + 1);
        boolean more = page.size() > limit;
        List<DirEntry> out = new ArrayList<>(Math.min(limit, page.size()));
        for (VolumeTx.Dentry e : more ? page.subList(0, limit) : page) {
            Attr a = null;
            if (plus) {
                InodeRecord r = t.inodeOrNull(e.ino());
                if (r == null) continue;
                a = r.attr(e.ino());
            }
            out.add(new DirEntry(e.name(), e.ino(), e.type(), a));
        }
        return new DirPage(out, more);
    }

    static String readlink(VolumeTx t, long ino) {
        InodeRecord r = t.inode(ino);
        if (r.target() == null) throw FsException.of(Errno.EINVAL, "inode %d is not a symlink", ino);
        return r.target();
    }
}
