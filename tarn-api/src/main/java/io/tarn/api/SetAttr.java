package io.tarn.api;

/**
 * Attribute changes of one setattr call: only the fields whose bit is in {@code valid} apply.
 * A SIZE change truncates or extends the file (the server trims the block map). ATIME_NOW and
 * MTIME_NOW take the server's clock instead of the given value.
 */
public record SetAttr(int valid, int mode, int uid, int gid, long size, long atimeNs, long mtimeNs, long ctimeNs) {
    public static final int MODE = 1, UID = 2, GID = 4, SIZE = 8, ATIME = 16, MTIME = 32,
            ATIME_NOW = 128, MTIME_NOW = 256, CTIME = 1024,
            /** Clear set-user-id and set-group-id as a write by an unprivileged caller must. */
            KILL_SUIDGID = 2048;

    public boolean has(int bit) {
        return (valid & bit) != 0;
    }

    public static SetAttr size(long size) {
        return new SetAttr(SIZE, 0, 0, 0, size, 0, 0, 0);
    }

    public static SetAttr mode(int mode) {
        return new SetAttr(MODE, mode, 0, 0, 0, 0, 0, 0);
    }

    public static SetAttr owner(int uid, int gid) {
        return new SetAttr((uid >= 0 ? UID : 0) | (gid >= 0 ? GID : 0), 0, uid, gid, 0, 0, 0, 0);
    }

    public static SetAttr times(long atimeNs, long mtimeNs) {
        return new SetAttr(ATIME | MTIME, 0, 0, 0, 0, atimeNs, mtimeNs, 0);
    }
}
