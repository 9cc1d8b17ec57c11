package io.tarn.testkit.memfs;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;

/**
 * The memory filesystem's own permission checks, for mounts without default_permissions (the kernel
 * then leaves them to the filesystem): the rules of the Linux VFS on ext4 without ACLs (owner, group
 * with the supplementary groups, other; root's powers; sticky directories; chmod, chown and utimens
 * ownership rules). The caller is whoever the transport says made the request.
 */
final class MemPermissions {
    static final int R_OK = 4, W_OK = 2, X_OK = 1;
    private static final int O_ACCMODE = 3, O_TRUNC = 01000;

    private MemPermissions() {}

    static boolean isRoot(Caller c) {
        return c.uid() == 0;
    }

    /** Whether {@code c} may access {@code n} with the access(2) bits in {@code mask} (F_OK, 0, always). */
    static boolean allowed(Caller c, MemNode n, int mask) {
        mask &= 7;
        int mode, uid, gid;
        synchronized (n) {
            mode = n.mode;
            uid = n.uid;
            gid = n.gid;
        }
        if (isRoot(c)) {
            // Root reads and writes anything; it executes a file only if someone may (a directory: always).
            return (mask & X_OK) == 0 || (mode & Attr.S_IFMT) == Attr.S_IFDIR || (mode & 0111) != 0;
        }
        int bits = c.uid() == uid ? mode >> 6 : c.inGroup(gid) ? mode >> 3 : mode;
        return (bits & mask) == mask;
    }

    static void check(Caller c, MemNode n, int mask) {
        if (!allowed(c, n, mask)) throw new FsException(Errno.EACCES, null);
    }

    /** Search permission, as a lookup in {@code dir} needs. */
    static void search(Caller c, MemNode dir) {
        check(c, dir, X_OK);
    }

    /** Write and search permission, as adding or removing a name in {@code dir} needs. */
    static void modifyDir(Caller c, MemNode dir) {
        check(c, dir, W_OK | X_OK);
    }

    /** In a sticky directory only the owner of the entry or of the directory (or root) removes or renames it. */
    static void sticky(Caller c, MemNode dir, MemNode victim) {
        if (isRoot(c)) return;
        synchronized (dir) {
            if ((dir.mode & Attr.S_ISVTX) == 0 || dir.uid == c.uid()) return;
        }
        synchronized (victim) {
            if (victim.uid == c.uid()) return;
        }
        throw new FsException(Errno.EPERM, null);
    }

    static boolean isOwner(Caller c, MemNode n) {
        if (isRoot(c)) return true;
        synchronized (n) {
            return n.uid == c.uid();
        }
    }

    /** The access an open with these flags needs: read and/or write, write for O_TRUNC. */
    static int openMask(int flags) {
        int mask = switch (flags & O_ACCMODE) {
            case 0 -> R_OK;
            case 1 -> W_OK;
            default -> R_OK | W_OK;
        };
        return (flags & O_TRUNC) != 0 ? mask | W_OK : mask;
    }

    /**
     * Refuses a setattr that {@code c} may not make on {@code n}: chmod and explicit times only by the
     * owner (EPERM), chown of the owner only by root, of the group only by the owner to a group it is in
     * (EPERM), times set to now by the owner or a writer (EACCES), truncate by path only with write
     * permission ({@code byHandle}: through an open file, which the kernel checked was opened for writing).
     */
    static void setattr(Caller c, MemNode n, SetAttr s, boolean byHandle) {
        if (isRoot(c)) return;
        boolean owner = isOwner(c, n);
        int uid, gid;
        synchronized (n) {
            uid = n.uid;
            gid = n.gid;
        }
        if (s.has(SetAttr.MODE) && !owner) throw new FsException(Errno.EPERM, null);
        if (s.has(SetAttr.UID) && (s.uid() != uid || !owner)) throw new FsException(Errno.EPERM, null);
        if (s.has(SetAttr.GID) && (!owner || s.gid() != gid && !c.inGroup(s.gid()))) throw new FsException(Errno.EPERM, null);
        // The kernel sends "now" as ATIME|ATIME_NOW: explicit is ATIME alone.
        boolean explicit = s.has(SetAttr.ATIME) && !s.has(SetAttr.ATIME_NOW) || s.has(SetAttr.MTIME) && !s.has(SetAttr.MTIME_NOW);
        if (explicit && !owner) throw new FsException(Errno.EPERM, null);
        if ((s.has(SetAttr.ATIME_NOW) || s.has(SetAttr.MTIME_NOW)) && !owner) check(c, n, W_OK);
        if (s.has(SetAttr.SIZE) && !byHandle) check(c, n, W_OK);
    }

    /**
     * The mode a chmod by {@code c} leaves: a caller who is neither root nor in the file's group cannot
     * set set-group-id (the bit is dropped, as the VFS does, not refused).
     */
    static int chmodMode(Caller c, MemNode n, int mode) {
        if (isRoot(c)) return mode;
        synchronized (n) {
            return c.inGroup(n.gid) ? mode : mode & ~Attr.S_ISGID;
        }
    }

    /**
     * The mode of a regular file (or other non-directory) after a chown or after a write or truncate by an
     * unprivileged caller: set-user-id goes, set-group-id goes when it means privilege (group-executable);
     * without group execute it marks mandatory locking and stays unless the caller is neither root nor in
     * the file's group. The VFS asks the filesystem to do this
     * with handle_killpriv_v2, whatever the permission mode.
     */
    static int killPriv(int mode, boolean inGroupOrRoot) {
        if ((mode & Attr.S_IFMT) == Attr.S_IFDIR) return mode;
        mode &= ~Attr.S_ISUID;
        if ((mode & Attr.S_ISGID) != 0 && ((mode & 0010) != 0 || !inGroupOrRoot)) mode &= ~Attr.S_ISGID;
        return mode;
    }

    /** Whether {@code c} is root or in the group of {@code n}: who keeps a lock-marking set-group-id bit. */
    static boolean inGroupOrRoot(Caller c, MemNode n) {
        if (isRoot(c)) return true;
        synchronized (n) {
            return c.inGroup(n.gid);
        }
    }
}
