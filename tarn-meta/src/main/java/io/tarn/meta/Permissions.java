package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

/** Permission checks as the Linux VFS makes them (generic_permission, sticky dirs, owner rules). */
final class Permissions {
    private Permissions() {}

    static boolean isRoot(Caller c) {
        return c.uid() == 0;
    }

    static boolean isOwner(Caller c, InodeRecord r) {
        return isRoot(c) || c.uid() == r.uid();
    }

    /**
     * Whether the transaction's caller may access inode {@code ino} ({@code r}) with access(2) bits
     * {@code mask}: root, then the owner's mode bits, then the POSIX access ACL if the inode has one
     * (read only for callers other than the owner: the owner's class is the same with or without it),
     * else the group or other bits with the supplementary groups counted.
     */
    static boolean allowed(VolumeTx t, long ino, InodeRecord r, int mask) {
        Caller c = t.caller;
        mask &= 7;
        if (isRoot(c)) {
            // Root may read and write anything, and execute if anyone may (directories: always search).
            if ((mask & MetaService.X_OK) == 0 || r.isDir()) return true;
            return (r.mode() & 0111) != 0;
        }
        if (c.uid() == r.uid()) return (((r.mode() >> 6) & 7) & mask) == mask;
        PosixAcl acl = Acls.access(t, ino, r);
        if (acl != null) return acl.allows(c, r.gid(), mask);
        int bits = c.inGroup(r.gid()) ? (r.mode() >> 3) & 7 : r.mode() & 7;
        return (bits & mask) == mask;
    }

    static void check(VolumeTx t, InodeRecord r, int mask, long ino) {
        if (!allowed(t, ino, r, mask)) throw FsException.of(Errno.EACCES, "access %o to inode %d refused", mask, ino);
    }

    static void search(VolumeTx t, InodeRecord dir, long ino) {
        check(t, dir, MetaService.X_OK, ino);
    }

    /** Write and search permission on a directory, as adding or removing a name needs. */
    static void modifyDir(VolumeTx t, InodeRecord dir, long ino) {
        check(t, dir, MetaService.W_OK | MetaService.X_OK, ino);
    }

    /** In a sticky directory only the owner of the entry or of the directory (or root) may remove or rename it. */
    static void sticky(Caller c, InodeRecord dir, InodeRecord victim, String name) {
        if ((dir.mode() & Attr.S_ISVTX) == 0 || isRoot(c)) return;
        if (c.uid() == dir.uid() || c.uid() == victim.uid()) return;
        throw FsException.of(Errno.EPERM, "sticky directory: not the owner of %s", name);
    }

    static void owner(Caller c, InodeRecord r, long ino) {
        if (!isOwner(c, r)) throw FsException.of(Errno.EPERM, "not the owner of inode %d", ino);
    }

    static int accessMaskOfOpenFlags(int flags) {
        int mask = switch (flags & 3) {
            case 0 -> MetaService.R_OK;
            case 1 -> MetaService.W_OK;
            default -> MetaService.R_OK | MetaService.W_OK;
        };
        if ((flags & OpenFlags.O_TRUNC) != 0) mask |= MetaService.W_OK;
        return mask;
    }

    /** open(2) flag values on Linux x86_64 that the metadata server interprets. */
    static final class OpenFlags {
        static final int O_ACCMODE = 3, O_WRONLY = 1, O_RDWR = 2, O_TRUNC = 01000, O_NOATIME = 01000000;

        private OpenFlags() {}
    }
}
