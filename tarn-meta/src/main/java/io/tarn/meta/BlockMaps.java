package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

import java.util.List;

/** Block maps of regular files: reading, committing new blocks, truncation, block id reservation. */
final class BlockMaps {
    static final int MAX_RESERVE = 1 << 20;

    private BlockMaps() {}

    static InodeRecord file(VolumeTx t, long ino) {
        InodeRecord r = t.inode(ino);
        if (r.isDir()) throw FsException.of(Errno.EISDIR, "inode %d is a directory", ino);
        if (!r.isFile()) throw FsException.of(Errno.EINVAL, "inode %d is not a regular file", ino);
        return r;
    }

    static List<BlockRef> blocks(VolumeTx t, long ino, long fromIndex, int count) {
        file(t, ino);
        if (fromIndex < 0 || count < 0) throw FsException.of(Errno.EINVAL, "bad block range");
        long to = count == 0 ? fromIndex : Math.min(Long.MAX_VALUE, fromIndex + count);
        if (to < fromIndex) to = Long.MAX_VALUE;
        return t.blocks(ino, fromIndex, to, count);
    }

    /** Writers that hold the file open were checked at open; others need write permission now. */
    static void checkWriter(VolumeTx t, long ino, InodeRecord r) {
        if (!t.isOpenBySession(ino)) Permissions.check(t, r, MetaService.W_OK, ino);
    }

    static Attr commit(VolumeTx t, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        InodeRecord r = file(t, ino);
        checkWriter(t, ino, r);
        int bs = t.volume.blockSize();
        for (BlockRef b : blocks) {
            if (b.index() < 0 || b.length() < 0 || b.length() > bs || b.blockId() <= 0)
                throw FsException.of(Errno.EINVAL, "bad block %s", b);
            if (b.isInline() && (b.inline().length > BlockRef.INLINE_MAX || b.inline().length == 0 || b.inline().length != b.storedLength()))
                throw FsException.of(Errno.EINVAL, "inline block %d of inode %d has %d bytes (stored length %d, at most %d inline)",
                        b.index(), ino, b.inline().length, b.storedLength(), BlockRef.INLINE_MAX);
        }
        for (BlockRef b : blocks) t.putBlock(ino, b);
        long time = mtimeNs == 0 ? t.now : mtimeNs;
        InodeRecord after = r.withSize(Math.max(r.size(), minSize)).withTimes(r.atimeNs(), time, time);
        if (!Permissions.isRoot(t.caller)) after = after.withoutSuidSgid();
        t.putInode(ino, after);
        return after.attr(ino);
    }

    /**
     * Sets the size: blocks wholly past the end become garbage, and the last block's length is
     * trimmed so bytes beyond the new end read as zeros if the file grows again.
     */
    static InodeRecord truncate(VolumeTx t, long ino, InodeRecord r, long size) {
        if (size < 0) throw FsException.of(Errno.EINVAL, "negative size");
        if (size < r.size()) {
            long bs = t.volume.blockSize();
            long keep = (size + bs - 1) / bs;
            t.dropBlocks(ino, keep);
            int tail = (int) (size % bs);
            if (tail != 0) {
                BlockRef last = t.block(ino, keep - 1);
                if (last != null && last.length() > tail)
                    t.putBlock(ino, last.withLength(tail));
            }
        }
        return r.withSize(size);
    }

    static Attr punch(VolumeTx t, long ino, long fromIndex, long count) {
        InodeRecord r = file(t, ino);
        if (fromIndex < 0 || count < 0) throw FsException.of(Errno.EINVAL, "bad block range");
        checkWriter(t, ino, r);
        long to = fromIndex + count < fromIndex ? Long.MAX_VALUE : fromIndex + count;
        t.dropBlocks(ino, fromIndex, to);
        InodeRecord after = r.withTimes(r.atimeNs(), t.now, t.now);
        if (!Permissions.isRoot(t.caller)) after = after.withoutSuidSgid();
        t.putInode(ino, after);
        return after.attr(ino);
    }

    static long reserve(VolumeTx t, int count) {
        if (count <= 0 || count > MAX_RESERVE) throw FsException.of(Errno.EINVAL, "cannot reserve %d block ids", count);
        return t.take("block", count, 1);
    }
}
