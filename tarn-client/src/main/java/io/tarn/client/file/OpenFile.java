package io.tarn.client.file;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.client.block.BlockStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.function.Function;

/**
 * The data of one regular file opened by this client, shared by all its handles. Writes land in
 * block-sized buffers from the {@link WriteBudget}; a partial write into a block that has data is
 * read-modify-write; a buffer that fills up is uploaded at once, under a fresh block id, while the
 * writer moves on. Reads see this client's unflushed writes. {@link #flush} returns once every write
 * made before it is in the object store and the block map (and size) committed on the metadata server.
 *
 * <p>Locking: one lock guards the state; it is never held while waiting for memory, for another
 * upload, or in {@link #flush}'s wait, so uploads and write-back can always finish.
 */
public final class OpenFile {
    private static final System.Logger LOG = System.getLogger(OpenFile.class.getName());
    /** Largest file size: block indexes and offsets stay well inside a long. */
    public static final long MAX_SIZE = 1L << 53;

    private final long ino;
    private final int blockSize;
    private final MetaService meta;
    private final BlockStore blocks;
    private final WriteBudget budget;
    private final BlockIds ids;
    private final Function<Caller, Ctx> contexts;
    private final BlockMapCache map;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ReentrantLock appendLock = new ReentrantLock();
    /** Writes share it; a truncation takes it alone, so no write slips between its flush and its new size. */
    private final ReentrantReadWriteLock truncation = new ReentrantReadWriteLock();

    private final TreeMap<Long, DirtyBlock> dirty = new TreeMap<>();
    /** Uploaded but not yet committed, newest per index. */
    private final Map<Long, BlockRef> uploaded = new HashMap<>();
    /** Per block written since its last commit here: the ranges and the committed block they went onto. */
    private final Map<Long, WrittenRanges> written = new HashMap<>();
    private long size;
    private long committedSize;
    private long mtimeNs;
    private Caller lastCaller;
    private FsException uploadError;
    private final SupersededBlocks superseded;
    private boolean discarded;
    /** The attributes the server returned for this client's last commit, or null. */
    private volatile Attr lastCommit;
    private final QuotaGauge quota;
    /** Bytes written past the end of the file since the last commit: growth the quota gauge counts. */
    private long uncommittedGrowth;

    /**
     * {@code contexts} makes the Ctx of each metadata call (each needs its own request id, or the server
     * would take a second mutation for a retry of the first).
     */
    public OpenFile(long ino, Attr attr, int blockSize, MetaService meta, BlockStore blocks, WriteBudget budget, BlockIds ids,
                    Function<Caller, Ctx> contexts) {
        this(ino, attr, blockSize, meta, blocks, budget, ids, contexts, QuotaGauge.none());
    }

    public OpenFile(long ino, Attr attr, int blockSize, MetaService meta, BlockStore blocks, WriteBudget budget, BlockIds ids,
                    Function<Caller, Ctx> contexts, QuotaGauge quota) {
        this.quota = quota;
        this.contexts = contexts;
        this.ino = ino;
        this.blockSize = blockSize;
        this.meta = meta;
        this.blocks = blocks;
        this.budget = budget;
        this.ids = ids;
        this.map = new BlockMapCache(meta, ino);
        this.superseded = new SupersededBlocks(blocks);
        this.size = attr.size();
        this.committedSize = attr.size();
    }

    /** The attributes after this client's last commit of the file, or null if it committed nothing. */
    public Attr lastCommit() {
        return lastCommit;
    }

    /** True while writes are not yet committed (buffered, uploading, or uploaded). */
    public boolean hasPending() {
        lock.lock();
        try {
            return !dirty.isEmpty() || !uploaded.isEmpty() || size != committedSize;
        } finally {
            lock.unlock();
        }
    }

    /** The server's attributes overlaid with this client's unflushed size and mtime. */
    public Attr overlay(Attr a) {
        lock.lock();
        try {
            if (dirty.isEmpty() && uploaded.isEmpty() && size == committedSize) return a;
            long m = Math.max(a.mtimeNs(), mtimeNs);
            return new Attr(a.ino(), a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), size, a.atimeNs(), m, Math.max(a.ctimeNs(), m));
        } finally {
            lock.unlock();
        }
    }

    /** Close-to-open: takes the server's view of size and block map, unless this client has unflushed writes. */
    public void revalidate(Attr a) {
        lock.lock();
        try {
            map.clear();
            if (dirty.isEmpty() && uploaded.isEmpty()) {
                size = a.size();
                committedSize = a.size();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes {@code data}'s remaining bytes at {@code offset} (at the end of the file if {@code append})
     * and returns how many; the buffer's position is not moved.
     */
    public int write(Caller caller, long offset, ByteBuffer data, boolean append) {
        if (!append) return writeAt(caller, offset, data);
        appendLock.lock(); // appends of this client do not interleave
        try {
            lock.lock();
            long end;
            try {
                end = size;
            } finally {
                lock.unlock();
            }
            return writeAt(caller, end, data);
        } finally {
            appendLock.unlock();
        }
    }

    private int writeAt(Caller caller, long pos, ByteBuffer data) {
        ByteBuffer src = data.duplicate();
        int total = src.remaining();
        if (pos < 0) throw FsException.of(Errno.EINVAL, "negative offset %d", pos);
        if (pos + total > MAX_SIZE || pos + total < 0) throw FsException.of(Errno.EFBIG, "write past the largest file size");
        truncation.readLock().lock();
        try {
            while (src.hasRemaining()) {
                long index = pos / blockSize;
                int inBlock = (int) (pos % blockSize);
                int n = Math.min(blockSize - inBlock, src.remaining());
                writeInBlock(caller, index, inBlock, src, n);
                pos += n;
            }
        } finally {
            truncation.readLock().unlock();
        }
        return total;
    }

    private void writeInBlock(Caller caller, long index, int inBlock, ByteBuffer src, int n) {
        byte[] spare = null;
        try {
            while (true) {
                CompletableFuture<Void> busy = null;
                lock.lock();
                try {
                    checkOpen();
                    lastCaller = caller;
                    DirtyBlock d = dirty.get(index);
                    if (d != null && d.upload != null) {
                        busy = d.upload;
                    } else if (d != null || spare != null) {
                        if (d == null) {
                            d = startBlock(caller, index, spare, inBlock, n);
                            spare = null;
                        }
                        if (!d.canDefer(inBlock, n)) complete(d);
                        d.ensure(inBlock + n, budget);
                        src.get(d.buf, inBlock, n);
                        d.wrote(inBlock, n);
                        written.computeIfAbsent(index, i -> new WrittenRanges(null)).add(inBlock, inBlock + n);
                        long start = index * blockSize + inBlock, end = start + n;
                        if (end > size) {
                            long grown = end - Math.max(start, size);
                            uncommittedGrowth += grown;
                            quota.added(grown);
                        }
                        size = Math.max(size, end);
                        mtimeNs = now();
                        // A writer that reached the end of a full block is done with it (sequential writes).
                        if (inBlock + n == blockSize && d.length == blockSize) startUpload(d);
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                if (busy != null) busy.exceptionally(e -> null).join();
                else spare = budget.acquire(inBlock + n);
            }
        } finally {
            if (spare != null) budget.release(spare);
        }
    }

    /**
     * A new dirty block at {@code index}. If the block has data inside the file that this write does not
     * cover, that data becomes the block's pending base (read-modify-write, read when first needed).
     */
    private DirtyBlock startBlock(Caller caller, long index, byte[] buf, int inBlock, int n) {
        DirtyBlock d = new DirtyBlock(index, buf);
        long blockStart = index * blockSize;
        int valid = (int) Math.max(0, Math.min(blockSize, size - blockStart));
        WrittenRanges w = written.get(index);
        if (valid > 0 && !(inBlock == 0 && n >= valid)) {
            BlockRef ref = uploaded.get(index);
            if (ref == null) {
                ref = map.get(contexts.apply(caller), index);
                if (w == null) written.put(index, new WrittenRanges(ref));
            }
            if (ref != null) {
                int keep = Math.min(ref.length(), valid);
                // A committed block longer than the size this client knows: either a truncation left it so
                // (the bytes past the size are dead) or another client grew the file since this one looked,
                // and a commit must not cut off what it wrote (ADR 0111). The server's size tells which.
                if (ref.length() > valid) {
                    long serverSize = meta.getAttr(contexts.apply(caller), ino).size();
                    keep = (int) Math.min(ref.length(), Math.max(valid, Math.min(blockSize, serverSize - blockStart)));
                }
                if (keep > 0) d.pendingBase(ref, keep);
            }
        } else if (w == null) {
            written.put(index, new WrittenRanges(valid > 0 ? map.getIfLoaded(index) : null));
        }
        if (dirty.isEmpty()) budget.holding(this, true);
        dirty.put(index, d);
        return d;
    }

    /** Reads a dirty block's pending base into its buffer (lock held; the base is usually cached). */
    private void complete(DirtyBlock d) {
        BlockRef base = d.missingBase();
        if (base == null) return;
        ByteBuffer plain = blocks.block(base);
        if (plain.remaining() < d.baseLength())
            throw FsException.of(Errno.EIO, "block object %s holds %d bytes, the block map says %d",
                    blocks.keys().key(base.blockId()), plain.remaining(), d.baseLength());
        d.ensure(d.baseLength(), budget);
        d.fillBase(plain);
    }

    /**
     * Starts uploading a dirty block's buffer (lock held) and returns the stage that completes once the
     * outcome is recorded (it never fails). The outcome may be recorded before this returns.
     */
    private CompletableFuture<Void> startUpload(DirtyBlock d) {
        complete(d);
        long id = ids.next(contexts.apply(lastCaller));
        CompletableFuture<Void> done = new CompletableFuture<>();
        d.upload = done;
        CompletableFuture<BlockRef> up;
        try {
            up = blocks.upload(d.index, id, d.buf, d.length, mayInline(d.index));
        } catch (RuntimeException e) {
            up = CompletableFuture.failedFuture(e);
        }
        up.whenComplete((ref, err) -> {
            try {
                uploaded(d, ref, err);
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /** A file that fits in the inline limit keeps its block in the block map, with no object (ADR 0141). Lock held. */
    private boolean mayInline(long index) {
        return index == 0 && size <= blocks.inlineMax() && blocks.inlineMax() > 0;
    }

    private void uploaded(DirtyBlock d, BlockRef ref, Throwable err) {
        lock.lock();
        try {
            d.upload = null;
            if (err != null) {
                FsException e = asFs(err);
                LOG.log(System.Logger.Level.WARNING, "upload of block {0} of inode {1} failed: {2}", d.index, ino, e.getMessage());
                if (uploadError == null) uploadError = e;
                if (discarded) dropDirty(d);
                return;
            }
            if (discarded) {
                superseded.drop(ref); // nobody will commit it
                dropDirty(d);
                return;
            }
            BlockRef previous = uploaded.put(d.index, ref);
            if (previous != null) superseded.drop(previous);
            // What was just written is often read next (a checkpoint read back, a file laid out then read
            // at random): the block's buffer moves to the block cache instead of back to the write budget.
            byte[] buf = d.buf;
            d.buf = null;
            dropDirty(d);
            if (buf != null) {
                budget.handOver(buf);
                blocks.cacheWritten(ref, buf.length == ref.length() ? buf : java.util.Arrays.copyOf(buf, ref.length()));
            }
        } finally {
            lock.unlock();
        }
    }

    private void dropDirty(DirtyBlock d) {
        if (dirty.get(d.index) == d) dirty.remove(d.index);
        if (d.buf != null) budget.release(d.buf);
        d.buf = null;
        if (dirty.isEmpty()) budget.holding(this, false);
    }

    /** Starts uploading every dirty block that is not uploading yet (the write budget is short). */
    void writeBackIdle() {
        lock.lock();
        try {
            if (lastCaller == null) return;
            for (DirtyBlock d : new ArrayList<>(dirty.values())) {
                if (d.upload != null) continue;
                try {
                    startUpload(d);
                } catch (FsException e) {
                    // Its base could not be read: the block stays buffered; its own writer or flush will see the error.
                    LOG.log(System.Logger.Level.WARNING, "write-back of block {0} of inode {1}: {2}", d.index, ino, e.getMessage());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes every write made before this call durable: uploads what is buffered, waits, and commits the
     * new blocks and size in one metadata transaction. EIO if an upload failed (the data stays buffered,
     * so a later flush tries again).
     */
    public void flush(Caller caller) {
        flushLock.lock();
        try {
            List<CompletableFuture<Void>> waits = new ArrayList<>();
            long sizeAtStart, growthAtStart;
            lock.lock();
            try {
                checkOpen();
                lastCaller = caller;
                sizeAtStart = size;
                growthAtStart = uncommittedGrowth;
                // Blocks whose upload failed before are still dirty and go again now; only this round's failures count.
                uploadError = null;
                for (DirtyBlock d : new ArrayList<>(dirty.values())) waits.add(d.upload != null ? d.upload : startUpload(d));
            } finally {
                lock.unlock();
            }
            for (CompletableFuture<Void> w : waits) w.join(); // the handler never fails the stage
            List<BlockRef> refs;
            long newSize, mtime;
            lock.lock();
            try {
                if (uploadError != null) {
                    FsException e = uploadError;
                    uploadError = null;
                    throw new FsException(Errno.EIO, "cannot flush inode " + ino + ": " + e.getMessage(), e);
                }
                refs = new ArrayList<>(uploaded.values());
                // The size this flush owes; blocks that writes after its start already uploaded ride along,
                // and the size always covers every committed block (the server keeps no data past the end).
                newSize = sizeAtStart;
                for (BlockRef r : refs) newSize = Math.max(newSize, r.index() * blockSize + r.length());
                mtime = mtimeNs;
                if (refs.isEmpty() && newSize == committedSize) return;
            } finally {
                lock.unlock();
            }
            refs = reconcile(caller, refs);
            for (BlockRef r : refs) newSize = Math.max(newSize, r.index() * blockSize + r.length());
            Attr after = meta.commitBlocks(contexts.apply(caller), ino, refs, newSize, mtime);
            lastCommit = after;
            lock.lock();
            try {
                for (BlockRef r : refs) {
                    if (uploaded.get(r.index()) == r) uploaded.remove(r.index());
                    map.committed(r);
                    WrittenRanges w = written.get(r.index());
                    if (w == null) continue;
                    if (uploaded.containsKey(r.index()) || dirty.containsKey(r.index())) w.builtOn = r;
                    else written.remove(r.index());
                }
                committedSize = Math.max(newSize, after.size());
                if (uploaded.isEmpty() && dirty.isEmpty()) size = committedSize;
                long settled = Math.min(growthAtStart, uncommittedGrowth); // a truncation may have settled it already
                uncommittedGrowth -= settled;
                quota.settled(settled, true);
            } finally {
                lock.unlock();
            }
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * The blocks to commit, each put on top of the block another client committed meanwhile, if one did
     * (ADR 0111). Blocks this client wrote whole need no look; for the others, one metadata call per
     * window of block indexes tells whether the committed block is still the one the buffer started from.
     * A commit racing with this look can still win whole (the window is one metadata round trip).
     */
    private List<BlockRef> reconcile(Caller caller, List<BlockRef> refs) {
        TreeMap<Long, BlockRef> check = new TreeMap<>();
        lock.lock();
        try {
            for (BlockRef r : refs) {
                WrittenRanges w = written.get(r.index());
                if (w != null && !w.covers(blockSize)) check.put(r.index(), r);
            }
        } finally {
            lock.unlock();
        }
        if (check.isEmpty()) return refs;
        Map<Long, BlockRef> current = new HashMap<>();
        long windowEnd = Long.MIN_VALUE;
        for (long index : check.keySet()) {
            if (index < windowEnd) continue;
            int count = (int) Math.min(BlockMapCache.WINDOW, check.lastKey() - index + 1);
            for (BlockRef r : meta.blocks(contexts.apply(caller), ino, index, count)) current.put(r.index(), r);
            windowEnd = index + count;
        }
        Map<Long, BlockRef> replaced = new HashMap<>();
        long serverSize = -1;
        for (BlockRef mine : check.values()) {
            BlockRef theirs = current.get(mine.index());
            WrittenRanges w;
            lock.lock();
            try {
                w = written.get(mine.index());
            } finally {
                lock.unlock();
            }
            if (w == null || sameBlock(theirs, w.builtOn)) continue;
            // A committed block may run past the file's end (a truncation leaves it so): only its bytes
            // inside the server's size are the other client's data.
            if (serverSize < 0) serverSize = meta.getAttr(contexts.apply(caller), ino).size();
            int theirsValid = theirs == null ? 0 : (int) Math.max(0, Math.min(theirs.length(), serverSize - mine.index() * blockSize));
            replaced.put(mine.index(), rebase(caller, mine, theirs, theirsValid, w));
        }
        if (replaced.isEmpty()) return refs;
        List<BlockRef> out = new ArrayList<>(refs.size());
        lock.lock();
        try {
            for (BlockRef r : refs) {
                BlockRef m = replaced.get(r.index());
                if (m == null) {
                    out.add(r);
                    continue;
                }
                out.add(m);
                if (uploaded.get(r.index()) == r) uploaded.put(r.index(), m);
                superseded.drop(r);
                WrittenRanges w = written.get(r.index());
                if (w != null) w.builtOn = current.get(r.index());
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** The first {@code n} bytes of a cached block (zeros past its end), as an array of their own. */
    private static byte[] bytes(ByteBuffer block, int n) {
        byte[] a = new byte[n];
        block.get(0, a, 0, Math.min(n, block.remaining()));
        return a;
    }

    private static boolean sameBlock(BlockRef a, BlockRef b) {
        return a == null ? b == null : b != null && a.blockId() == b.blockId();
    }

    /** Uploads this client's ranges of {@code mine} laid over {@code theirs} (null: a hole) as a new block. */
    private BlockRef rebase(Caller caller, BlockRef mine, BlockRef theirs, int theirsValid, WrittenRanges w) {
        byte[] own = bytes(blocks.block(mine), mine.length());
        byte[] other = theirs == null ? new byte[0] : bytes(blocks.block(theirs), theirsValid);
        byte[] buf = budget.acquire();
        try {
            int length;
            boolean mayInline;
            lock.lock();
            try {
                length = w.overlay(own, mine.length(), other, buf);
                mayInline = mayInline(mine.index());
            } finally {
                lock.unlock();
            }
            LOG.log(System.Logger.Level.DEBUG, "block {0} of inode {1} was committed by another client meanwhile: writing this client''s ranges on top of it",
                    mine.index(), ino);
            return blocks.upload(mine.index(), ids.next(contexts.apply(caller)), buf, length, mayInline).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw asFs(e.getCause());
        } finally {
            budget.release(buf);
        }
    }

    /**
     * Runs a server-side change of the inode ({@code change}: a setattr, or an open with O_TRUNC) with writes
     * held off: pending writes are committed first, so they come before the change, and none land between;
     * then the server's size and block map are taken.
     */
    public Attr truncateWith(Caller caller, Supplier<Attr> change) {
        truncation.writeLock().lock();
        try {
            flush(caller);
            Attr a = change.get();
            truncated(a);
            return a;
        } finally {
            truncation.writeLock().unlock();
        }
    }

    /** Takes the server's size and block map after it changed the size (no writes are pending then). */
    public void truncated(Attr a) {
        lock.lock();
        try {
            quota.settled(uncommittedGrowth, false);
            uncommittedGrowth = 0;
            map.clear();
            written.clear();
            size = a.size();
            committedSize = a.size();
        } finally {
            lock.unlock();
        }
    }

    /** Drops unflushed data and returns its memory (the last handle went away after a failed flush). */
    public void discard() {
        lock.lock();
        try {
            discarded = true;
            quota.settled(uncommittedGrowth, false);
            uncommittedGrowth = 0;
            for (DirtyBlock d : new ArrayList<>(dirty.values())) if (d.upload == null) dropDirty(d);
            superseded.drop(uploaded.values());
            uploaded.clear();
            written.clear();
        } finally {
            lock.unlock();
        }
    }

    // ---- holes -----------------------------------------------------------------------------------

    /**
     * Turns {@code [offset, offset+length)} (clipped to the size) into zeros that take no space: whole
     * blocks become holes on the server; the partial blocks at either end get zeros written, unless they
     * are holes already. Pending writes are committed first and the result is committed before it returns.
     */
    public void punch(Caller caller, long offset, long length) {
        if (offset < 0 || length <= 0) throw FsException.of(Errno.EINVAL, "bad range %d+%d", offset, length);
        truncation.writeLock().lock();
        try {
            flush(caller);
            long size;
            lock.lock();
            try {
                checkOpen();
                size = this.size;
            } finally {
                lock.unlock();
            }
            long end = Math.min(size, offset + length < 0 ? Long.MAX_VALUE : offset + length);
            if (offset >= end) return;
            long first = (offset + blockSize - 1) / blockSize;
            // The last block counts as whole when the range reaches the end of the file.
            long last = end == size ? (end + blockSize - 1) / blockSize : end / blockSize;
            if (first < last) {
                Attr a = meta.punchBlocks(contexts.apply(caller), ino, first, last - first);
                lastCommit = a;
                lock.lock();
                try {
                    map.clear();
                } finally {
                    lock.unlock();
                }
            }
            zeroPart(caller, offset, Math.min(end, first * blockSize));
            if (last >= first) zeroPart(caller, Math.max(offset, last * blockSize), end);
            flush(caller);
        } finally {
            truncation.writeLock().unlock();
        }
    }

    /** Writes zeros over {@code [from, to)} inside one block, unless that block is a hole. */
    private void zeroPart(Caller caller, long from, long to) {
        if (from >= to) return;
        long index = from / blockSize;
        BlockRef ref;
        lock.lock();
        try {
            ref = map.get(contexts.apply(caller), index);
        } finally {
            lock.unlock();
        }
        if (ref == null || index * blockSize + ref.length() <= from) return; // zeros there already
        writeAt(caller, from, ByteBuffer.allocate((int) (to - from)));
    }

    private static final int SEEK_WINDOW = 65536;

    /**
     * lseek(2) SEEK_DATA ({@code hole} false) or SEEK_HOLE from {@code offset}, from the committed block map
     * after committing pending writes: a hole is an absent block, so data and holes are found with the
     * volume's block size as granularity. ENXIO at or past the end, or when no data follows.
     */
    public long seek(Caller caller, long offset, boolean hole) {
        if (offset < 0) throw FsException.of(Errno.ENXIO, "negative offset");
        flush(caller);
        long size;
        lock.lock();
        try {
            checkOpen();
            size = this.size;
        } finally {
            lock.unlock();
        }
        if (offset >= size) throw FsException.of(Errno.ENXIO, "offset %d is at or past the end (%d)", offset, size);
        long expected = offset / blockSize, lastIndex = (size - 1) / blockSize;
        Ctx ctx = contexts.apply(caller);
        // The block map is asked in windows of indexes: a sparse terabyte is a few calls.
        while (expected <= lastIndex) {
            long windowEnd = Math.min(lastIndex + 1, expected + SEEK_WINDOW);
            for (BlockRef r : meta.blocks(ctx, ino, expected, (int) (windowEnd - expected))) {
                if (!hole) return Math.max(offset, r.index() * blockSize);
                if (r.index() > expected) return Math.max(offset, expected * blockSize);
                expected = r.index() + 1;
            }
            if (hole && expected < windowEnd) break;
            expected = Math.max(expected, windowEnd);
        }
        if (!hole) throw FsException.of(Errno.ENXIO, "no data after offset %d", offset);
        return Math.min(size, Math.max(offset, expected * blockSize));
    }

    /** The size as this client sees it (with unflushed writes). */
    public long size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    // ---- reading ---------------------------------------------------------------------------------

    /**
     * Up to {@code length} bytes at {@code offset}, fewer at the end of the file, none past it; holes read
     * as zeros. {@code random}: the caller does not read sequentially, so partial block fetches pay off.
     */
    /** One block's share of a read: {@code k} bytes at {@code inBlock} of block {@code index}, for {@code outOff}. */
    private interface Piece {
        /** False stops the walk. */
        boolean take(long index, int inBlock, int k, int outOff);
    }

    /** Walks {@code [offset, offset+n)} block by block; false if a piece stopped the walk. */
    private boolean eachPiece(long offset, int n, Piece piece) {
        for (long pos = offset, end = offset + n; pos < end; ) {
            int inBlock = (int) (pos % blockSize);
            int k = (int) Math.min(blockSize - inBlock, end - pos);
            if (!piece.take(pos / blockSize, inBlock, k, (int) (pos - offset))) return false;
            pos += k;
        }
        return true;
    }

    /** Copies a dirty block's share of a read; past its length the block reads as zeros (already in {@code out}). */
    private static void copyDirty(DirtyBlock d, int inBlock, int k, byte[] out, int outOff) {
        int avail = Math.min(k, d.length - inBlock);
        if (avail > 0) System.arraycopy(d.buf, inBlock, out, outOff, avail);
    }

    /**
     * Like {@link #read}, but only from memory (this client's unflushed writes and the block cache) and
     * without waiting for anything: null when a piece would need the store or the metadata server, or
     * another thread holds the file. Lets the FUSE worker answer cached reads without a thread hop.
     */
    public ByteBuffer readIfCached(long offset, int length) {
        if (offset < 0 || length < 0 || !lock.tryLock()) return null;
        try {
            if (discarded) return null;
            if (offset >= size || length == 0) return ByteBuffer.allocate(0);
            int n = (int) Math.min(length, size - offset);
            // Most READs lie inside one committed block: answer with a view of the cached block, no copy.
            BlockRef whole = wholeIn(null, offset, n);
            if (whole != null) return blocks.viewIfCached(whole, (int) (offset % blockSize), n);
            byte[] out = new byte[n];
            boolean all = eachPiece(offset, n, (index, inBlock, k, outOff) -> {
                DirtyBlock d = dirty.get(index);
                if (d != null) {
                    if (d.upload == null && d.missingBase() != null) return false; // its base must be fetched
                    copyDirty(d, inBlock, k, out, outOff);
                    return true;
                }
                BlockRef ref = uploaded.get(index);
                if (ref == null) {
                    if (!map.isLoaded(index)) return false;
                    ref = map.getIfLoaded(index);
                }
                int avail = ref == null ? 0 : Math.min(k, ref.length() - inBlock);
                return avail <= 0 || blocks.copyIfCached(ref, inBlock, avail, out, outOff);
            });
            return all ? ByteBuffer.wrap(out) : null;
        } finally {
            lock.unlock();
        }
    }

    public ByteBuffer read(Caller caller, long offset, int length, boolean random) {
        if (offset < 0 || length < 0) throw FsException.of(Errno.EINVAL, "negative offset or length");
        byte[] out = null;
        List<Runnable> fetches = new ArrayList<>();
        BlockRef whole;
        int n;
        lock.lock();
        try {
            checkOpen();
            if (offset >= size || length == 0) return ByteBuffer.allocate(0);
            n = (int) Math.min(length, size - offset);
            // A sequential read inside one committed block fetches the whole block anyway: answer with a
            // view of it, instead of a copy of each READ's share.
            whole = random ? null : wholeIn(caller, offset, n);
            if (whole == null) {
                byte[] into = out = new byte[n];
                eachPiece(offset, n, (index, inBlock, k, outOff) -> {
                    DirtyBlock d = dirty.get(index);
                    if (d != null) {
                        if (d.upload == null) complete(d); // an uploading block is complete already
                        copyDirty(d, inBlock, k, into, outOff);
                        return true;
                    }
                    BlockRef ref = uploaded.get(index);
                    if (ref == null) ref = map.get(contexts.apply(caller), index);
                    int avail = ref == null ? 0 : Math.min(k, ref.length() - inBlock);
                    BlockRef r = ref;
                    if (avail > 0) fetches.add(() -> blocks.read(r, inBlock, avail, into, outOff, random));
                    return true;
                });
            }
            if (whole == null && fetches.isEmpty()) return ByteBuffer.wrap(out);
            superseded.readStarted();
        } finally {
            lock.unlock();
        }
        try {
            if (whole == null) {
                blocks.readAll(fetches);
                return ByteBuffer.wrap(out);
            }
            ByteBuffer b = blocks.block(whole);
            int at = (int) (offset % blockSize);
            if (b.remaining() < at + n)
                throw FsException.of(Errno.EIO, "block object %s holds %d bytes, the block map says %d",
                        blocks.keys().key(whole.blockId()), b.remaining(), whole.length());
            return b.slice(at, n);
        } finally {
            lock.lock();
            try {
                superseded.readEnded();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The committed block that holds all of {@code [offset, offset+n)} (lock held), or null if the range
     * spans blocks, touches unflushed writes, a hole or a block's zero tail. {@code caller} null: without a
     * metadata call (null also when the block map window is not loaded).
     */
    private BlockRef wholeIn(Caller caller, long offset, int n) {
        long index = offset / blockSize;
        int at = (int) (offset % blockSize);
        if (at + n > blockSize || dirty.containsKey(index)) return null;
        BlockRef ref = uploaded.get(index);
        if (ref == null) {
            if (caller != null) ref = map.get(contexts.apply(caller), index);
            else if (map.isLoaded(index)) ref = map.getIfLoaded(index);
        }
        return ref != null && ref.length() >= at + n ? ref : null;
    }

    /**
     * Read-ahead: starts fetching the committed or uploaded blocks {@code [fromIndex, fromIndex+count)}
     * that are inside the file and not buffered here. Only block maps already loaded are consulted, so
     * this never waits for the metadata server.
     */
    public void readAhead(Caller caller, long fromIndex, int count) {
        List<BlockRef> refs = new ArrayList<>(count);
        lock.lock();
        try {
            long lastIndex = size == 0 ? -1 : (size - 1) / blockSize;
            for (long i = fromIndex; i < fromIndex + count && i <= lastIndex; i++) {
                if (dirty.containsKey(i)) continue;
                BlockRef ref = uploaded.get(i);
                if (ref == null) ref = map.getIfLoaded(i);
                if (ref != null) refs.add(ref);
            }
        } finally {
            lock.unlock();
        }
        if (!refs.isEmpty()) blocks.prefetch(refs);
    }

    private void checkOpen() {
        if (discarded) throw FsException.of(Errno.EBADF, "inode %d is no longer open", ino);
    }

    private static long now() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static FsException asFs(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof FsException f) return f;
        return new FsException(Errno.EIO, c.toString(), c);
    }
}
