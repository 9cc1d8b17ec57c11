package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

/** rename(2) and renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE, in one transaction. */
final class Renames {
    private Renames() {}

    static void rename(VolumeTx t, long parent, String name, long newParent, String newName, int flags) {
        boolean noReplace = (flags & MetaService.RENAME_NOREPLACE) != 0;
        boolean exchange = (flags & MetaService.RENAME_EXCHANGE) != 0;
        if ((flags & ~(MetaService.RENAME_NOREPLACE | MetaService.RENAME_EXCHANGE)) != 0 || (noReplace && exchange))
            throw FsException.of(Errno.EINVAL, "bad rename flags %d", flags);
        InodeRecord src = t.dir(parent);
        InodeRecord dst = parent == newParent ? src : t.dir(newParent);
        Names.check(name);
        Names.check(newName);
        Permissions.search(t, src, parent);
        Permissions.search(t, dst, newParent);
        long ino = t.child(parent, name);
        if (ino == 0) throw FsException.of(Errno.ENOENT, "%s not found", name);
        long victim = t.child(newParent, newName);
        if (exchange && victim == 0) throw FsException.of(Errno.ENOENT, "%s not found", newName);
        if (noReplace && victim != 0) throw FsException.of(Errno.EEXIST, "%s exists", newName);
        Permissions.modifyDir(t, src, parent);
        Permissions.modifyDir(t, dst, newParent);
        InodeRecord moving = t.inode(ino);
        InodeRecord replaced = victim == 0 ? null : t.inode(victim);
        Permissions.sticky(t.caller, src, moving, name);
        if (replaced != null) Permissions.sticky(t.caller, dst, replaced, newName);
        if (victim == ino) return; // two names of one inode: POSIX says do nothing
        if (parent != newParent) {
            if (moving.isDir()) checkMovable(t, ino, moving, newParent);
            if (exchange && replaced.isDir()) checkMovable(t, victim, replaced, parent);
        }
        if (exchange) {
            exchange(t, parent, name, ino, moving, newParent, newName, victim, replaced);
            return;
        }
        if (replaced != null) {
            if (moving.isDir() && !replaced.isDir()) throw FsException.of(Errno.ENOTDIR, "%s is not a directory", newName);
            if (!moving.isDir() && replaced.isDir()) throw FsException.of(Errno.EISDIR, "%s is a directory", newName);
            if (replaced.isDir() && t.hasChildren(victim)) throw FsException.of(Errno.ENOTEMPTY, "%s is not empty", newName);
        }
        t.deleteDentry(parent, name);
        t.putDentry(newParent, newName, ino, moving.type());
        int dirDelta = moving.isDir() && parent != newParent ? 1 : 0;
        int lostSubdir = replaced != null && replaced.isDir() ? 1 : 0;
        if (parent == newParent) {
            t.putInode(parent, src.withNlink(src.nlink() - lostSubdir).withTimes(src.atimeNs(), t.now, t.now));
        } else {
            t.putInode(parent, src.withNlink(src.nlink() - dirDelta).withTimes(src.atimeNs(), t.now, t.now));
            t.putInode(newParent, dst.withNlink(dst.nlink() + dirDelta - lostSubdir).withTimes(dst.atimeNs(), t.now, t.now));
        }
        t.putInode(ino, (moving.isDir() ? moving.withParent(newParent) : moving).withCtime(t.now));
        if (replaced != null) {
            if (replaced.isDir()) t.destroyInode(victim, replaced);
            else t.dropLink(victim, replaced);
        }
    }

    private static void exchange(VolumeTx t, long parent, String name, long ino, InodeRecord a,
                                 long newParent, String newName, long victim, InodeRecord b) {
        t.putDentry(parent, name, victim, b.type());
        t.putDentry(newParent, newName, ino, a.type());
        if (parent != newParent) {
            int delta = (b.isDir() ? 1 : 0) - (a.isDir() ? 1 : 0);
            InodeRecord src = t.inode(parent), dst = t.inode(newParent);
            t.putInode(parent, src.withNlink(src.nlink() + delta).withTimes(src.atimeNs(), t.now, t.now));
            t.putInode(newParent, dst.withNlink(dst.nlink() - delta).withTimes(dst.atimeNs(), t.now, t.now));
            t.putInode(ino, (a.isDir() ? a.withParent(newParent) : a).withCtime(t.now));
            t.putInode(victim, (b.isDir() ? b.withParent(parent) : b).withCtime(t.now));
        } else {
            InodeRecord dir = t.inode(parent);
            t.putInode(parent, dir.withTimes(dir.atimeNs(), t.now, t.now));
            t.putInode(ino, a.withCtime(t.now));
            t.putInode(victim, b.withCtime(t.now));
        }
    }

    /**
     * A directory moving to another parent: EINVAL if the target parent lies inside it (walking up the
     * parent pointers), and the directory itself must be writable because its ".." changes.
     */
    private static void checkMovable(VolumeTx t, long ino, InodeRecord dir, long newParent) {
        long p = newParent;
        for (int depth = 0; p != 0; depth++) {
            if (p == ino) throw FsException.of(Errno.EINVAL, "cannot move directory %d into its own subtree", ino);
            if (depth > 1_000_000) throw FsException.of(Errno.ELOOP, "directory parent chain too long");
            InodeRecord r = t.inode(p);
            p = r.parent() == p ? 0 : r.parent();
        }
        Permissions.check(t, dir, MetaService.W_OK, ino);
    }
}
