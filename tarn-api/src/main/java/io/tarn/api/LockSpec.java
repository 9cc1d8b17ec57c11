package io.tarn.api;

/**
 * One lock, or one request for a lock, on a byte range of an inode, as the metadata server keeps it.
 * {@code kind} is {@link #POSIX} (fcntl record locks, and open-file-description locks, which FUSE
 * delivers the same way) or {@link #FLOCK} (flock(2), always the whole file); the two kinds never
 * conflict with each other, as on Linux. {@code owner} is the client's lock owner id (the kernel's
 * lock_owner), unique within one session: the server pairs it with the session. {@code end} is
 * inclusive; {@link #EOF} means "to the end of the file, however long it grows". {@code pid} is the
 * process that asked, reported by F_GETLK to others.
 */
public record LockSpec(int kind, long owner, long start, long end, int type, int pid) {
    public static final int POSIX = 0, FLOCK = 1;
    public static final int RDLCK = 0, WRLCK = 1, UNLCK = 2;
    public static final long EOF = Long.MAX_VALUE;

    /** EINVAL for a range or type no lock can have. */
    public LockSpec checked() {
        if (kind != POSIX && kind != FLOCK) throw FsException.of(Errno.EINVAL, "unknown lock kind %d", kind);
        if (type < RDLCK || type > UNLCK) throw FsException.of(Errno.EINVAL, "unknown lock type %d", type);
        if (start < 0 || end < start) throw FsException.of(Errno.EINVAL, "bad lock range %d-%d", start, end);
        return this;
    }

    /** True if the ranges share a byte. */
    public boolean overlaps(long s, long e) {
        return start <= e && s <= end;
    }

    /** True if this lock and {@code other} (of another owner) cannot both be held. */
    public boolean conflictsWith(LockSpec other) {
        return kind == other.kind && overlaps(other.start, other.end) && (type == WRLCK || other.type == WRLCK);
    }

    public LockSpec withRange(long s, long e) {
        return new LockSpec(kind, owner, s, e, type, pid);
    }
}
