package io.tarn.fuse;

import io.tarn.api.Attr;
import io.tarn.fuse.proto.Proto;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** Reading and writing the little-endian FUSE structs at byte offsets of off-heap buffers. */
final class Wire {
    private Wire() {}

    static int i32(MemorySegment s, long off) {
        return s.get(JAVA_INT_UNALIGNED, off);
    }

    static long i64(MemorySegment s, long off) {
        return s.get(JAVA_LONG_UNALIGNED, off);
    }

    static void i32(MemorySegment s, long off, int v) {
        s.set(JAVA_INT_UNALIGNED, off, v);
    }

    static void i64(MemorySegment s, long off, long v) {
        s.set(JAVA_LONG_UNALIGNED, off, v);
    }

    static void i16(MemorySegment s, long off, int v) {
        s.set(JAVA_SHORT_UNALIGNED, off, (short) v);
    }

    /** Offset just past the NUL that ends the string starting at {@code off}, or -1 if none before {@code end}. */
    static long stringEnd(MemorySegment s, long off, long end) {
        for (long i = off; i < end; i++) {
            if (s.get(JAVA_BYTE, i) == 0) return i + 1;
        }
        return -1;
    }

    static String string(MemorySegment s, long off, long endExclusiveOfNul) {
        int n = (int) (endExclusiveOfNul - off);
        byte[] b = new byte[n];
        MemorySegment.copy(s, JAVA_BYTE, off, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    static byte[] bytes(MemorySegment s, long off, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(s, JAVA_BYTE, off, b, 0, n);
        return b;
    }

    static void bytes(MemorySegment s, long off, byte[] b) {
        MemorySegment.copy(b, 0, s, JAVA_BYTE, off, b.length);
    }

    static void outHeader(MemorySegment s, long off, int len, int error, long unique) {
        i32(s, off, len);
        i32(s, off + 4, error);
        i64(s, off + 8, unique);
    }

    /** struct fuse_attr, 88 bytes. */
    static void attr(MemorySegment s, long off, Attr a) {
        i64(s, off, a.ino());
        i64(s, off + 8, a.size());
        i64(s, off + 16, (a.size() + 511) >>> 9);
        i64(s, off + 24, Math.floorDiv(a.atimeNs(), 1_000_000_000L));
        i64(s, off + 32, Math.floorDiv(a.mtimeNs(), 1_000_000_000L));
        i64(s, off + 40, Math.floorDiv(a.ctimeNs(), 1_000_000_000L));
        i32(s, off + 48, (int) Math.floorMod(a.atimeNs(), 1_000_000_000L));
        i32(s, off + 52, (int) Math.floorMod(a.mtimeNs(), 1_000_000_000L));
        i32(s, off + 56, (int) Math.floorMod(a.ctimeNs(), 1_000_000_000L));
        i32(s, off + 60, a.mode());
        i32(s, off + 64, a.nlink());
        i32(s, off + 68, a.uid());
        i32(s, off + 72, a.gid());
        i32(s, off + 76, a.rdev());
        i32(s, off + 80, 4096);
        i32(s, off + 84, 0);
    }

    /** struct fuse_entry_out, 128 bytes. */
    static void entry(MemorySegment s, long off, Entry e, long defEntryNs, long defAttrNs) {
        long ev = e.entryTimeoutNanos() < 0 ? defEntryNs : e.entryTimeoutNanos();
        long av = e.attrTimeoutNanos() < 0 ? defAttrNs : e.attrTimeoutNanos();
        i64(s, off, e.nodeId());
        i64(s, off + 8, e.generation());
        i64(s, off + 16, ev / 1_000_000_000L);
        i64(s, off + 24, av / 1_000_000_000L);
        i32(s, off + 32, (int) (ev % 1_000_000_000L));
        i32(s, off + 36, (int) (av % 1_000_000_000L));
        if (e.attr() != null) {
            attr(s, off + 40, e.attr());
        } else {
            s.asSlice(off + 40, Proto.ATTR).fill((byte) 0);
        }
    }

    /** struct fuse_attr_out, 104 bytes. */
    static void attrOut(MemorySegment s, long off, Attributes a, long defAttrNs) {
        long av = a.timeoutNanos() < 0 ? defAttrNs : a.timeoutNanos();
        i64(s, off, av / 1_000_000_000L);
        i32(s, off + 8, (int) (av % 1_000_000_000L));
        i32(s, off + 12, 0);
        attr(s, off + 16, a.attr());
    }

    /** struct fuse_open_out, 16 bytes. */
    static void openOut(MemorySegment s, long off, Opened o) {
        i64(s, off, o.fh());
        i32(s, off + 8, o.flags());
        i32(s, off + 12, 0);
    }

    /** struct fuse_kstatfs, 80 bytes. */
    static void statfs(MemorySegment s, long off, FsStats f) {
        s.asSlice(off, Proto.STATFS_OUT).fill((byte) 0);
        i64(s, off, f.blocks());
        i64(s, off + 8, f.blocksFree());
        i64(s, off + 16, f.blocksAvailable());
        i64(s, off + 24, f.files());
        i64(s, off + 32, f.filesFree());
        i32(s, off + 40, f.blockSize());
        i32(s, off + 44, f.nameMax());
        i32(s, off + 48, f.fragmentSize());
    }

    /** struct fuse_file_lock, 24 bytes. */
    static void lock(MemorySegment s, long off, FileLock l) {
        i64(s, off, l.start());
        i64(s, off + 8, l.end());
        i32(s, off + 16, l.type());
        i32(s, off + 20, l.pid());
    }

    static FileLock lock(MemorySegment s, long off) {
        return new FileLock(i64(s, off), i64(s, off + 8), i32(s, off + 16), i32(s, off + 20));
    }

    static int align8(int n) {
        return (n + 7) & ~7;
    }
}
