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
            KILL_SUIDGID = 2048,
            /**
             * Alone (or with ATIME_NOW): the file was read; the server sets atime to now if it is not newer
             * than mtime or ctime or is a day old (relatime), always with ATIME_NOW (strictatime). Needs read
             * permission (or an open of the file), leaves ctime alone. Not a FUSE bit: Tarn's own.
             */
            ATIME_READ = 1 << 20;

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

    /** The access-time update of a read: relatime, or every time if {@code strict}. */
    public static SetAttr readAtime(boolean strict) {
        return new SetAttr(ATIME_READ | (strict ? ATIME_NOW : 0), 0, 0, 0, 0, 0, 0, 0);
    }

    public static SetAttr times(long atimeNs, long mtimeNs) {
        return new SetAttr(ATIME | MTIME, 0, 0, 0, 0, atimeNs, mtimeNs, 0);
    }
}
