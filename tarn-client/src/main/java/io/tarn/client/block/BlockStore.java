package io.tarn.client.block;

import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.RetryPolicy;
import io.tarn.objectstore.RetryingObjectStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Moves one volume's blocks between the client and the object store: encodes and uploads, fetches and
 * decodes, in parallel on virtual threads with at most {@code uploads} puts and {@code downloads} gets
 * in flight. Whole decoded blocks go through a bounded {@link BlockCache}; a small read of a raw-stored
 * block may fetch only the chunks it needs. Objects are written once under a fresh block id and never
 * overwritten. Store failures are retried (by the policy) and then become FsException(EIO) here, in
 * one place. Thread-safe.
 */
public final class BlockStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BlockStore.class.getName());

    private final ObjectStore store;
    private final BlockKeys keys;
    private final BlockCodec codec;
    private final BlockCache cache;
    private final int inlineMax;
    private final Semaphore uploadPermits, downloadPermits;
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> encodeBuffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Headers of raw blocks read by ranged reads (a few hundred bytes each), so the next range needs one request. */
    private static final int HEADERS_KEPT = 4096;
    private static final ByteBuffer NOT_RAW = ByteBuffer.allocate(0);
    private final Map<Long, ByteBuffer> headers = java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ByteBuffer> eldest) {
            return size() > HEADERS_KEPT;
        }
    });
    /** Blocks recently read by ranges (see {@link #read}). */
    private final LinkedHashMap<Long, Boolean> rangeRead = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > 4096;
        }
    };
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tarn-block-", 0).factory());
    private final AtomicLong puts = new AtomicLong(), wholeGets = new AtomicLong(), rangeGets = new AtomicLong(),
            bytesUp = new AtomicLong(), bytesDown = new AtomicLong(), prefetches = new AtomicLong();

    public BlockStore(ObjectStore store, BlockKeys keys, BlockCodec codec, int uploads, int downloads, long cacheBytes, RetryPolicy retry) {
        this(store, keys, codec, uploads, downloads, cacheBytes, retry, 0);
    }

    /** {@code inlineMax}: files of at most this many bytes keep their block in the block map (ADR 0141; 0: never). */
    public BlockStore(ObjectStore store, BlockKeys keys, BlockCodec codec, int uploads, int downloads, long cacheBytes, RetryPolicy retry,
                      int inlineMax) {
        if (inlineMax < 0 || inlineMax > BlockRef.INLINE_MAX)
            throw FsException.of(Errno.EINVAL, "inline limit must be from 0 to %d bytes, not %d", BlockRef.INLINE_MAX, inlineMax);
        this.inlineMax = inlineMax;
        this.store = new RetryingObjectStore(store, retry);
        this.keys = keys;
        this.codec = codec;
        this.cache = new BlockCache(cacheBytes);
        this.uploadPermits = new Semaphore(Math.max(1, uploads));
        this.downloadPermits = new Semaphore(Math.max(1, downloads));
    }

    public BlockKeys keys() {
        return keys;
    }

    /** Files of at most this many bytes keep their only block inline in the block map (0: none do). */
    public int inlineMax() {
        return inlineMax;
    }

    /**
     * As {@link #upload(long, long, byte[], int)}, but with {@code mayInline} (the caller checked the file is
     * small enough) the encoded block is returned in the BlockRef instead of stored, if it fits an inline
     * payload; the future is then complete on return.
     */
    public CompletableFuture<BlockRef> upload(long index, long blockId, byte[] data, int len, boolean mayInline) {
        if (mayInline) {
            BlockRef ref = inline(index, blockId, data, len);
            if (ref != null) return CompletableFuture.completedFuture(ref);
        }
        return upload(index, blockId, data, len);
    }

    /** The block encoded exactly as it would be stored, as an inline BlockRef; null if too large for one. */
    public BlockRef inline(long index, long blockId, byte[] data, int len) {
        BlockCodec.Encoded e = codec.encode(blockId, data, 0, len);
        if (e.storedLength() > BlockRef.INLINE_MAX) return null;
        byte[] bytes = new byte[e.storedLength()];
        e.bytes().duplicate().get(bytes);
        return new BlockRef(index, blockId, len, bytes.length, e.checksum(), bytes);
    }

    public BlockCache cache() {
        return cache;
    }

    /**
     * Encodes {@code data[0, len)} as block {@code index} under the fresh id {@code blockId} and stores it,
     * asynchronously; {@code data} must not change until the future completes. Fails with FsException(EIO).
     */
    public CompletableFuture<BlockRef> upload(long index, long blockId, byte[] data, int len) {
        return CompletableFuture.supplyAsync(() -> put(index, blockId, data, len), threads);
    }

    /** {@link #upload} on the calling thread. */
    public BlockRef put(long index, long blockId, byte[] data, int len) {
        String key = keys.key(blockId);
        // Encode only once a permit is held, so queued uploads hold no encoded copies.
        return withPermit(uploadPermits, () -> {
            byte[] out = encodeBuffer(codec.maxEncodedLength(len));
            try {
                BlockCodec.Encoded e = codec.encode(blockId, data, 0, len, out);
                store.put(key, e.bytes());
                puts.incrementAndGet();
                bytesUp.addAndGet(e.storedLength());
                return new BlockRef(index, blockId, len, e.storedLength(), e.checksum());
            } catch (ObjectStoreException ex) {
                throw storeFailure("write", key, ex);
            } finally {
                encodeBuffers.offer(out);
            }
        });
    }

    /** A pooled output buffer of at least {@code n} bytes; at most one per upload permit is ever kept. */
    private byte[] encodeBuffer(int n) {
        byte[] b = encodeBuffers.poll();
        return b != null && b.length >= n ? b : new byte[n];
    }

    /**
     * Keeps the plain content of a block this client has just stored in the memory cache; {@code plain}
     * must be exactly the block's plain bytes and is never modified afterwards.
     */
    public void cacheWritten(BlockRef ref, byte[] plain) {
        if (plain.length != ref.length()) throw new IllegalArgumentException("plain block of " + plain.length + " bytes for a ref of " + ref.length());
        cache.putWritten(ref.blockId(), plain);
    }

    /** The whole plain content of a block's object, read-only at position 0 (cached, one fetch for concurrent misses). */
    public ByteBuffer block(BlockRef ref) {
        return cache.get(ref.blockId(), () -> fetchWhole(ref));
    }

    /**
     * Copies plain bytes {@code [from, from+len)} of block {@code ref} into {@code dst}; the range lies within
     * {@code ref.length()}. {@code preferRange}: the caller reads randomly, so a raw-stored block not in the
     * cache is read by chunks when that moves much less than the whole object.
     */
    public void read(BlockRef ref, int from, int len, byte[] dst, int dstOff, boolean preferRange) {
        if (len == 0) return;
        ByteBuffer cached = cache.getIfPresent(ref.blockId());
        // A block read by ranges more than once is being revisited (a random reader over a working set):
        // one whole fetch then costs less than a range request per read, and later reads hit the cache.
        if (cached == null && preferRange && rangeReadBefore(ref.blockId())) preferRange = false;
        if (cached == null && preferRange) {
            byte[] part = tryChunks(ref, from, len);
            if (part != null) {
                int chunkStart = (from >>> BlockFormat.CHUNK_SHIFT) << BlockFormat.CHUNK_SHIFT;
                System.arraycopy(part, from - chunkStart, dst, dstOff, len);
                return;
            }
        }
        ByteBuffer plain = cached != null ? cached : block(ref);
        if (plain.remaining() < from + len)
            throw new FsException(Errno.EIO, "block object " + keys.key(ref.blockId()) + " holds " + plain.remaining()
                    + " bytes, the block map says " + ref.length());
        plain.get(from, dst, dstOff, len);
    }

    /**
     * Copies {@code [from, from+len)} of the block into {@code dst} if the block is in the memory cache;
     * false (nothing copied) if it is not. Never waits for the store.
     */
    public boolean copyIfCached(BlockRef ref, int from, int len, byte[] dst, int dstOff) {
        if (len == 0) return true;
        ByteBuffer view = viewIfCached(ref, from, len);
        if (view == null) return false;
        view.get(dst, dstOff, len);
        return true;
    }

    /**
     * A read-only view of {@code [from, from+len)} of the block if it is in the memory cache, else null.
     * Cached blocks are never changed in place (a block is immutable once stored), so the view stays valid
     * after the block leaves the cache.
     */
    public ByteBuffer viewIfCached(BlockRef ref, int from, int len) {
        ByteBuffer cached = cache.getIfPresent(ref.blockId());
        if (cached == null || cached.remaining() < from + len) return null; // a short object: read() reports it
        return cached.slice(from, len);
    }

    /** Records a range read of the block; true if it had one before (bounded memory: old entries drop). */
    private boolean rangeReadBefore(long blockId) {
        synchronized (rangeRead) {
            return rangeRead.put(blockId, Boolean.TRUE) != null;
        }
    }

    /**
     * Starts fetching whole blocks into the cache in the background (read-ahead); failures are ignored
     * here and met again by the read that needs the block.
     */
    public void prefetch(List<BlockRef> refs) {
        for (BlockRef ref : refs) {
            if (cache.getIfPresent(ref.blockId()) != null) continue;
            prefetches.incrementAndGet();
            threads.execute(() -> {
                try {
                    block(ref);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "read-ahead of block {0} failed: {1}", ref.blockId(), e.getMessage());
                }
            });
        }
    }

    /** Runs reads in parallel (each within the download bound) and waits for all; the first failure is thrown. */
    public void readAll(List<Runnable> reads) {
        if (reads.size() == 1) {
            reads.getFirst().run();
            return;
        }
        List<Future<?>> fs = new ArrayList<>(reads.size());
        for (Runnable r : reads) fs.add(threads.submit(r));
        RuntimeException first = null;
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) first = e.getCause() instanceof RuntimeException re ? re
                        : new FsException(Errno.EIO, "block read failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FsException(Errno.EINTR, "interrupted while reading blocks");
            }
        }
        if (first != null) throw first;
    }

    /** Deletes a block's object (garbage collection and tests; files never need it). */
    public void delete(long blockId) {
        String key = keys.key(blockId);
        cache.invalidate(blockId);
        headers.remove(blockId);
        try {
            store.delete(key);
        } catch (ObjectStoreException e) {
            throw storeFailure("delete", key, e);
        }
    }

    private ByteBuffer fetchWhole(BlockRef ref) {
        String key = keys.key(ref.blockId());
        if (ref.isInline()) return ByteBuffer.wrap(codec.decode(key + " (inline)", ref, ByteBuffer.wrap(ref.inline())));
        ByteBuffer obj = withPermit(downloadPermits, () -> get(key, 0, -1));
        wholeGets.incrementAndGet();
        bytesDown.addAndGet(obj.remaining());
        // The fetched object is ours alone: a raw payload is kept as a slice of it, not copied.
        return codec.decodeShared(key, ref, obj);
    }

    /** The verified chunks covering {@code [from, from+len)}, or null when a whole read is the better (or only) way. */
    private byte[] tryChunks(BlockRef ref, int from, int len) {
        if (codec.encrypted() || ref.isInline()) return null; // no chunk table: the GCM tag covers the whole payload; inline: at hand
        int plainLen = BlockCodec.rawPlainLength(ref.storedLength());
        if (plainLen < ref.length()) return null;
        int firstChunk = from >>> BlockFormat.CHUNK_SHIFT;
        int lastChunk = (from + len - 1) >>> BlockFormat.CHUNK_SHIFT;
        int spanStart = firstChunk << BlockFormat.CHUNK_SHIFT;
        int spanEnd = Math.min(plainLen, (lastChunk + 1) << BlockFormat.CHUNK_SHIFT);
        if ((long) (spanEnd - spanStart) * 4 > plainLen) return null;
        String key = keys.key(ref.blockId());
        int headerLen = BlockCodec.rawHeaderLength(plainLen);
        ByteBuffer known = headers.get(ref.blockId());
        if (known == NOT_RAW) return null;
        return withPermit(downloadPermits, () -> {
            if (known != null) { // the header of this block was read before: only the chunks are needed
                ByteBuffer chunks = get(key, headerLen + spanStart, spanEnd - spanStart);
                rangeGets.incrementAndGet();
                bytesDown.addAndGet(chunks.remaining());
                if (chunks.remaining() != spanEnd - spanStart)
                    throw BlockCodec.corrupt(key, "truncated: range of " + chunks.remaining() + " bytes, expected " + (spanEnd - spanStart));
                return codec.decodeChunks(key, ref.blockId(), known, firstChunk, chunks);
            }
            if (spanStart == 0) { // header and chunks are adjacent: one request
                ByteBuffer all = get(key, 0, headerLen + spanEnd);
                rangeGets.incrementAndGet();
                bytesDown.addAndGet(all.remaining());
                if (all.remaining() != headerLen + spanEnd)
                    throw BlockCodec.corrupt(key, "truncated: range of " + all.remaining() + " bytes, expected " + (headerLen + spanEnd));
                return remember(ref.blockId(), all.slice(all.position(), headerLen),
                        codec.decodeChunks(key, ref.blockId(), all.slice(all.position(), headerLen), 0, all.slice(all.position() + headerLen, spanEnd)));
            }
            CompletableFuture<ByteBuffer> header = CompletableFuture.supplyAsync(() -> get(key, 0, headerLen), threads);
            ByteBuffer chunks = get(key, headerLen + spanStart, spanEnd - spanStart);
            ByteBuffer h;
            try {
                h = header.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            rangeGets.addAndGet(2);
            bytesDown.addAndGet(h.remaining() + chunks.remaining());
            if (chunks.remaining() != spanEnd - spanStart)
                throw BlockCodec.corrupt(key, "truncated: range of " + chunks.remaining() + " bytes, expected " + (spanEnd - spanStart));
            return remember(ref.blockId(), h, codec.decodeChunks(key, ref.blockId(), h, firstChunk, chunks));
        });
    }

    /** Keeps a verified raw header (or the fact that the block is not raw) for later ranged reads. */
    private byte[] remember(long blockId, ByteBuffer header, byte[] decoded) {
        ByteBuffer keep = NOT_RAW;
        if (decoded != null) {
            keep = ByteBuffer.allocate(header.remaining()).put(header.duplicate()).flip();
        }
        headers.put(blockId, keep);
        return decoded;
    }

    private ByteBuffer get(String key, long offset, int length) {
        try {
            return store.get(key, offset, length).orElseThrow(() -> {
                FsException e = new FsException(Errno.EIO, "block object " + key + " is missing from " + store.describe());
                LOG.log(System.Logger.Level.ERROR, e.getMessage());
                return e;
            });
        } catch (ObjectStoreException e) {
            throw storeFailure("read", key, e);
        }
    }

    private FsException storeFailure(String what, String key, ObjectStoreException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot {0} block object {1}: {2}", what, key, e.getMessage());
        return new FsException(Errno.EIO, "cannot " + what + " block object " + key + " in " + store.describe() + ": " + e.getMessage(), e);
    }

    private static <T> T withPermit(Semaphore permits, Supplier<T> work) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EINTR, "interrupted while waiting for the object store");
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }

    /** Counters for tests and metrics: puts, whole-object gets, ranged gets, bytes up, bytes down, read-aheads started. */
    public record Stats(long puts, long wholeGets, long rangeGets, long bytesUp, long bytesDown, long prefetches) {}

    public Stats stats() {
        return new Stats(puts.get(), wholeGets.get(), rangeGets.get(), bytesUp.get(), bytesDown.get(), prefetches.get());
    }

    @Override
    public void close() {
        threads.shutdown();
    }
}
