package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;

/** setattr (chmod, chown, truncate, utimens) and access checks, with the kernel's rules. */
final class Attributes {
    private Attributes() {}

    /** Linux's relatime: an atime older than this is refreshed by a read even if it is newer than mtime and ctime. */
    static final long RELATIME_AGE_NS = 24L * 3600 * 1_000_000_000L;

    static Attr setAttr(VolumeTx t, long ino, SetAttr c) {
        if (c.has(SetAttr.ATIME_READ)) return readAtime(t, ino, c);
        InodeRecord r = t.inode(ino);
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
            Acls.chmod(t, ino, r);
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
            else if (!Permissions.isOwner(t.caller, r) && !Permissions.allowed(t, ino, r, MetaService.W_OK))
                throw FsException.of(Errno.EACCES, "no permission to touch inode %d", ino);
            long a = !atime ? r.atimeNs() : c.has(SetAttr.ATIME_NOW) ? t.now : c.atimeNs();
            long m = !mtime ? r.mtimeNs() : c.has(SetAttr.MTIME_NOW) ? t.now : c.mtimeNs();
            r = r.withTimes(a, m, r.ctimeNs());
        }
        // The kernel sends an explicit ctime along with changes it already permitted (e.g. a writer's
        // touch); alone, it needs what "set times to now" needs.
        if (c.has(SetAttr.CTIME) && !Permissions.isOwner(t.caller, r) && !Permissions.allowed(t, ino, r, MetaService.W_OK))
            throw FsException.of(Errno.EPERM, "not the owner of inode %d", ino);
        long ctime = c.has(SetAttr.CTIME) ? c.ctimeNs() : t.now;
        r = r.withCtime(ctime);
        t.putInode(ino, r);
        return r.attr(ino);
    }

    private static Attr readAtime(VolumeTx t, long ino, SetAttr c) {
        if ((c.valid() & ~(SetAttr.ATIME_READ | SetAttr.ATIME_NOW)) != 0)
            throw FsException.of(Errno.EINVAL, "a read's atime update comes alone");
        InodeRecord r = t.inode(ino);
        if (!t.isOpenBySession(ino)) Permissions.check(t, r, MetaService.R_OK, ino);
        long a = r.atimeNs();
        boolean due = c.has(SetAttr.ATIME_NOW) || a <= r.mtimeNs() || a <= r.ctimeNs() || t.now - a >= RELATIME_AGE_NS;
        if (!due || t.now == a) return r.attr(ino);
        InodeRecord after = r.withTimes(t.now, r.mtimeNs(), r.ctimeNs());
        t.putInode(ino, after);
        return after.attr(ino);
    }

    static void access(VolumeTx t, long ino, int mask) {
        InodeRecord r = t.inode(ino);
        if ((mask & ~7) != 0) throw FsException.of(Errno.EINVAL, "bad access mask %d", mask);
        if (mask != MetaService.F_OK) Permissions.check(t, r, mask, ino);
    }

    /** Checks open(2) permission and applies O_TRUNC; the caller records the open. */
    static InodeRecord open(VolumeTx t, long ino, int flags) {
        InodeRecord r = t.inode(ino);
        int acc = flags & Permissions.OpenFlags.O_ACCMODE;
        if (r.isDir() && (acc != 0 || (flags & Permissions.OpenFlags.O_TRUNC) != 0))
            throw FsException.of(Errno.EISDIR, "inode %d is a directory", ino);
        if (r.type() == Attr.S_IFLNK) throw FsException.of(Errno.ELOOP, "inode %d is a symlink", ino);
        if (r.nlink() == 0 && !t.isOpen(ino)) throw FsException.of(Errno.ENOENT, "inode %d has been removed", ino);
        Permissions.check(t, r, Permissions.accessMaskOfOpenFlags(flags), ino);
        if ((flags & Permissions.OpenFlags.O_NOATIME) != 0 && !Permissions.isOwner(t.caller, r))
            throw FsException.of(Errno.EPERM, "O_NOATIME on inode %d: not the owner", ino);
        if ((flags & Permissions.OpenFlags.O_TRUNC) != 0 && r.isFile() && r.size() > 0) {
            InodeRecord after = BlockMaps.truncate(t, ino, r, 0).withTimes(r.atimeNs(), t.now, t.now);
            if (!Permissions.isRoot(t.caller)) after = after.withoutSuidSgid();
            t.putInode(ino, after);
            r = after;
        }
        return r;
    }
}
