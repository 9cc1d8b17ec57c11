package io.tarn.api;

/**
 * The attributes of one inode. {@code mode} holds the file type bits (S_IFMT) and the permission
 * bits as in stat(2); times are nanoseconds since the epoch.
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, int rdev, long size,
                   long atimeNs, long mtimeNs, long ctimeNs) {
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;
    public static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDir() {
        return type() == S_IFDIR;
    }

    public boolean isFile() {
        return type() == S_IFREG;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }

    public int perms() {
        return mode & 07777;
    }
}
