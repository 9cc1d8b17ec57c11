package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One inode as stored. {@code parent} is the directory holding a directory (for loop checks on
 * rename; 0 for other types); {@code target} is a symlink's target, null otherwise.
 */
record InodeRecord(int mode, int uid, int gid, int nlink, int rdev, long size, long atimeNs, long mtimeNs,
                   long ctimeNs, long parent, String target) {
    private static final byte FORMAT = 1;
    private static final int FIXED = 1 + 5 * 4 + 5 * 8;

    int type() {
        return mode & Attr.S_IFMT;
    }

    boolean isDir() {
        return type() == Attr.S_IFDIR;
    }

    boolean isFile() {
        return type() == Attr.S_IFREG;
    }

    Attr attr(long ino) {
        return new Attr(ino, mode, nlink, uid, gid, rdev, size, atimeNs, mtimeNs, ctimeNs);
    }

    InodeRecord withMode(int m) {
        return new InodeRecord(m, uid, gid, nlink, rdev, size, atimeNs, mtimeNs, ctimeNs, parent, target);
    }

    InodeRecord withOwner(int u, int g) {
        return new InodeRecord(mode, u, g, nlink, rdev, size, atimeNs, mtimeNs, ctimeNs, parent, target);
    }

    InodeRecord withNlink(int n) {
        return new InodeRecord(mode, uid, gid, n, rdev, size, atimeNs, mtimeNs, ctimeNs, parent, target);
    }

    InodeRecord withSize(long s) {
        return new InodeRecord(mode, uid, gid, nlink, rdev, s, atimeNs, mtimeNs, ctimeNs, parent, target);
    }

    InodeRecord withTimes(long a, long m, long c) {
        return new InodeRecord(mode, uid, gid, nlink, rdev, size, a, m, c, parent, target);
    }

    InodeRecord withCtime(long c) {
        return withTimes(atimeNs, mtimeNs, c);
    }

    InodeRecord withParent(long p) {
        return new InodeRecord(mode, uid, gid, nlink, rdev, size, atimeNs, mtimeNs, ctimeNs, p, target);
    }

    /** Modified as a write or truncate by {@code uid} must: set-user-id always, set-group-id if group-executable. */
    InodeRecord withoutSuidSgid() {
        int m = mode & ~Attr.S_ISUID;
        if ((mode & 010) != 0) m &= ~Attr.S_ISGID;
        return withMode(m);
    }

    byte[] encode() {
        byte[] t = target == null ? new byte[0] : target.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(FIXED + t.length).put(FORMAT)
                .putInt(mode).putInt(uid).putInt(gid).putInt(nlink).putInt(rdev)
                .putLong(size).putLong(atimeNs).putLong(mtimeNs).putLong(ctimeNs).putLong(parent)
                .put(t).array();
    }

    static InodeRecord decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        if (v.length < FIXED || b.get() != FORMAT) throw FsException.of(Errno.EIO, "corrupt or unknown inode record");
        int mode = b.getInt(), uid = b.getInt(), gid = b.getInt(), nlink = b.getInt(), rdev = b.getInt();
        long size = b.getLong(), a = b.getLong(), m = b.getLong(), c = b.getLong(), parent = b.getLong();
        String target = (mode & Attr.S_IFMT) == Attr.S_IFLNK
                ? new String(v, FIXED, v.length - FIXED, StandardCharsets.UTF_8) : null;
        return new InodeRecord(mode, uid, gid, nlink, rdev, size, a, m, c, parent, target);
    }
}
