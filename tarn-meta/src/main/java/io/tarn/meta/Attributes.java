package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;

/** setattr (chmod, chown, truncate, utimens) and access checks, with the kernel's rules. */
final class Attributes {
    private Attributes() {}

    static Attr setAttr(VolumeTx t, long ino, SetAttr c) {
        InodeRecord r = t.inode(ino);
        InodeRecord before = r;
        boolean root = Permissions.isRoot(t.caller);
        if (c.has(SetAttr.UID) || c.has(SetAttr.GID)) {
            int uid = c.has(SetAttr.UID) ? c.uid() : r.uid();
            int gid = c.has(SetAttr.GID) ? c.gid() : r.gid();
            if (!root) {
                if (uid != r.uid()) throw FsException.of(Errno.EPERM, "only root may change the owner");
                if (t.caller.uid() != r.uid()) throw FsException.of(Errno.EPERM, "not the owner of inode %d", ino);
                if (gid != r.gid() && !t.caller.inGroup(gid))
                    throw FsException.of(Errno.EPERM, "not a member of group %d", gid);
            }
            r = r.withOwner(uid, gid);
            if (!r.isDir()) r = r.withoutSuidSgid();
        }
        if (c.has(SetAttr.MODE)) {
            Permissions.owner(t.caller, r, ino);
            int perms = c.mode() & 07777;
            if (!root && !r.isDir() && !t.caller.inGroup(r.gid())) perms &= ~Attr.S_ISGID;
            r = r.withMode(r.type() | perms);
        }
        if (c.has(SetAttr.SIZE)) {
            if (r.isDir()) throw FsException.of(Errno.EISDIR, "inode %d is a directory", ino);
            if (!r.isFile()) throw FsException.of(Errno.EINVAL, "inode %d is not a regular file", ino);
            BlockMaps.checkWriter(t, ino, r);
            r = BlockMaps.truncate(t, ino, r, c.size());
            r = r.withTimes(r.atimeNs(), t.now, r.ctimeNs());
            if (!root) r = r.withoutSuidSgid();
        }
        if (c.has(SetAttr.KILL_SUIDGID)) r = r.withoutSuidSgid();
        boolean atime = c.has(SetAttr.ATIME) || c.has(SetAttr.ATIME_NOW);
        boolean mtime = c.has(SetAttr.MTIME) || c.has(SetAttr.MTIME_NOW);
        if (atime || mtime) {
            boolean explicit = (c.has(SetAttr.ATIME) && !c.has(SetAttr.ATIME_NOW))
                    || (c.has(SetAttr.MTIME) && !c.has(SetAttr.MTIME_NOW));
            if (explicit) Permissions.owner(t.caller, r, ino);
            else if (!Permissions.isOwner(t.caller, r) && !Permissions.allowed(t.caller, r, MetaService.W_OK))
                throw FsException.of(Errno.EACCES, "no permission to touch inode %d", ino);
            long a = !atime ? r.atimeNs() : c.has(SetAttr.ATIME_NOW) ? t.now : c.atimeNs();
            long m = !mtime ? r.mtimeNs() : c.has(SetAttr.MTIME_NOW) ? t.now : c.mtimeNs();
            r = r.withTimes(a, m, r.ctimeNs());
        }
        // The kernel sends an explicit ctime along with changes it already permitted (e.g. a writer's
        // touch); alone, it needs what "set times to now" needs.
        if (c.has(SetAttr.CTIME) && !Permissions.isOwner(t.caller, r) && !Permissions.allowed(t.caller, r, MetaService.W_OK))
            throw FsException.of(Errno.EPERM, "not the owner of inode %d", ino);
        long ctime = c.has(SetAttr.CTIME) ? c.ctimeNs() : t.now;
        r = r.withCtime(ctime);
        t.updateInode(ino, before, r);
        return r.attr(ino);
    }

    static void access(VolumeTx t, long ino, int mask) {
        InodeRecord r = t.inode(ino);
        if ((mask & ~7) != 0) throw FsException.of(Errno.EINVAL, "bad access mask %d", mask);
        if (mask != MetaService.F_OK) Permissions.check(t.caller, r, mask, ino);
    }

    /** Checks open(2) permission and applies O_TRUNC; the caller records the open. */
    static InodeRecord open(VolumeTx t, long ino, int flags) {
        InodeRecord r = t.inode(ino);
        int acc = flags & Permissions.OpenFlags.O_ACCMODE;
        if (r.isDir() && (acc != 0 || (flags & Permissions.OpenFlags.O_TRUNC) != 0))
            throw FsException.of(Errno.EISDIR, "inode %d is a directory", ino);
        if (r.type() == Attr.S_IFLNK) throw FsException.of(Errno.ELOOP, "inode %d is a symlink", ino);
        if (r.nlink() == 0 && !t.isOpen(ino)) throw FsException.of(Errno.ENOENT, "inode %d has been removed", ino);
        Permissions.check(t.caller, r, Permissions.accessMaskOfOpenFlags(flags), ino);
        if ((flags & Permissions.OpenFlags.O_TRUNC) != 0 && r.isFile() && r.size() > 0) {
            InodeRecord after = BlockMaps.truncate(t, ino, r, 0).withTimes(r.atimeNs(), t.now, t.now);
            if (!Permissions.isRoot(t.caller)) after = after.withoutSuidSgid();
            t.updateInode(ino, r, after);
            r = after;
        }
        return r;
    }
}
