package io.tarn.testkit.memfs;

import io.tarn.api.Attr;
import io.tarn.fuse.Data;
import io.tarn.fuse.Request;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One inode of the memory filesystem. File bytes live off the Java heap in chunks of up to 1 MiB
 * (a missing chunk is a hole; a short one grows by doubling), guarded by a read/write lock.
 * Attributes are guarded by the node's monitor; directory entries by the filesystem's namespace lock.
 * Reads hand out slices of the chunks themselves (no copy); the reply is written after the lock is
 * released, so a read racing a write of the same range may see either bytes, and one racing a
 * truncate or a whole-chunk write (whose replaced chunk the transport reads the next request into)
 * may see other bytes: acceptable for a test filesystem, not for Tarn.
 */
final class MemNode {
    static final int CHUNK = 1 << 20;
    private static final MemorySegment ZEROS = Arena.ofAuto().allocate(CHUNK, 4096);

    final long ino;
    int mode, uid, gid, rdev, nlink;
    long atimeNs, mtimeNs, ctimeNs;
    final AtomicLong lookups = new AtomicLong();
    int opens;
    String target;
    final Map<String, byte[]> xattrs = new HashMap<>();

    // Directory: entries by name and by their readdir cookie (stable while others come and go).
    final Map<String, Dent> byName;
    final TreeMap<Long, Dent> byCookie;
    long nextCookie = 3;
    long parent;

    // Regular file.
    final ReentrantReadWriteLock data = new ReentrantReadWriteLock();
    private final List<MemorySegment> chunks = new ArrayList<>();
    long size;

    record Dent(String name, long ino, long cookie) {}

    /** Shared by all nodes of one filesystem; set by the filesystem. */
    ChunkPool pool;

    MemNode(long ino, int mode, int uid, int gid, long now) {
        this.ino = ino;
        this.mode = mode;
        this.uid = uid;
        this.gid = gid;
        this.atimeNs = this.mtimeNs = this.ctimeNs = now;
        this.nlink = (mode & Attr.S_IFMT) == Attr.S_IFDIR ? 2 : 1;
        boolean dir = (mode & Attr.S_IFMT) == Attr.S_IFDIR;
        this.byName = dir ? new HashMap<>() : null;
        this.byCookie = dir ? new TreeMap<>() : null;
    }

    boolean isDir() {
        return byName != null;
    }

    synchronized Attr attr() {
        long sz = isDir() ? 4096 : target != null ? target.length() : size;
        return new Attr(ino, mode, nlink, uid, gid, rdev, sz, atimeNs, mtimeNs, ctimeNs);
    }

    void addEntry(String name, long child) {
        Dent d = new Dent(name, child, nextCookie++);
        byName.put(name, d);
        byCookie.put(d.cookie(), d);
    }

    Dent removeEntry(String name) {
        Dent d = byName.remove(name);
        if (d != null) byCookie.remove(d.cookie());
        return d;
    }

    /** Caller holds the read lock. */
    Data read(long offset, int length) {
        if (offset >= size || length <= 0) return Data.EMPTY;
        long end = Math.min(size, offset + length);
        List<MemorySegment> parts = new ArrayList<>(2);
        long at = offset;
        while (at < end) {
            int ci = (int) (at / CHUNK);
            int within = (int) (at % CHUNK);
            int n = (int) Math.min(end - at, CHUNK - within);
            MemorySegment c = ci < chunks.size() ? chunks.get(ci) : null;
            if (c == null || c.byteSize() <= within) {
                parts.add(ZEROS.asSlice(0, n));
            } else if (c.byteSize() < within + n) {
                int have = (int) (c.byteSize() - within);
                parts.add(c.asSlice(within, have));
                parts.add(ZEROS.asSlice(0, n - have));
            } else {
                parts.add(c.asSlice(within, n));
            }
            at += n;
        }
        return new Data(parts.toArray(MemorySegment[]::new));
    }

    /** Caller holds the write lock. */
    void write(long offset, MemorySegment src) {
        long len = src.byteSize(), done = 0;
        while (done < len) {
            long at = offset + done;
            int ci = (int) (at / CHUNK);
            int within = (int) (at % CHUNK);
            int n = (int) Math.min(len - done, CHUNK - within);
            MemorySegment c = chunk(ci, within, n);
            MemorySegment.copy(src, done, c, within, n);
            done += n;
        }
        if (offset + len > size) size = offset + len;
    }

    /**
     * A write of one whole chunk: takes the request's data buffer as the chunk instead of copying
     * it, and gives the transport the chunk it replaces (or a recycled one) to read into next. False
     * if the transport could not hand the buffer over; the caller copies then. Caller holds the write lock.
     */
    boolean adopt(int ci, Request r) {
        MemorySegment old = ci < chunks.size() ? chunks.get(ci) : null;
        MemorySegment spare = old != null && old.byteSize() == CHUNK ? old : pool != null ? pool.take() : null;
        if (spare == null) spare = ChunkPool.allocate(CHUNK);
        MemorySegment taken = r.takeData(spare);
        if (taken == null) {
            if (spare != old && pool != null) pool.give(spare);
            return false;
        }
        while (chunks.size() <= ci) chunks.add(null);
        chunks.set(ci, taken);
        long end = (long) (ci + 1) * CHUNK;
        if (end > size) size = end;
        return true;
    }

    /** The chunk for a write of {@code n} bytes at {@code within}; bytes it does not cover read as zero. */
    private MemorySegment chunk(int ci, int within, int n) {
        int needed = within + n;
        while (chunks.size() <= ci) chunks.add(null);
        MemorySegment c = chunks.get(ci);
        if (c != null && c.byteSize() >= needed) return c;
        long cap = Math.max(4096, Long.highestOneBit(Math.max(1, needed - 1)) << 1);
        if (c != null) cap = Math.max(cap, c.byteSize() * 2);
        cap = Math.min(CHUNK, cap);
        MemorySegment grown = cap == CHUNK && pool != null ? pool.take() : null;
        if (grown == null) {
            grown = ChunkPool.allocate(cap);
        } else {
            // A recycled chunk: zero only what neither the old bytes nor this write will cover.
            long keep = c == null ? 0 : c.byteSize();
            if (within > keep) grown.asSlice(keep, within - keep).fill((byte) 0);
            if (needed < CHUNK) grown.asSlice(needed).fill((byte) 0);
        }
        if (c != null) MemorySegment.copy(c, 0, grown, 0, c.byteSize());
        chunks.set(ci, grown);
        return grown;
    }

    /** Caller holds the write lock. Bytes past the new size are dropped, so a later extension reads zeros. */
    void truncate(long newSize) {
        if (newSize < size) {
            int keep = (int) ((newSize + CHUNK - 1) / CHUNK);
            while (chunks.size() > keep) {
                MemorySegment dropped = chunks.removeLast();
                if (dropped != null && pool != null) pool.give(dropped);
            }
            int within = (int) (newSize % CHUNK);
            if (within != 0 && keep > 0) {
                MemorySegment last = chunks.get(keep - 1);
                if (last != null && last.byteSize() > within) last.asSlice(within).fill((byte) 0);
            }
        }
        size = newSize;
    }

    /** Gives every chunk back to the pool; the node is gone. Caller holds the write lock. */
    void release() {
        truncate(0);
    }

    /** Non-empty chunks as (index, bytes) for export; caller holds the read lock. */
    List<Map.Entry<Integer, MemorySegment>> chunks() {
        List<Map.Entry<Integer, MemorySegment>> out = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) if (chunks.get(i) != null) out.add(Map.entry(i, chunks.get(i)));
        return out;
    }

    void putChunk(int index, MemorySegment c) {
        while (chunks.size() <= index) chunks.add(null);
        chunks.set(index, c);
    }
}
