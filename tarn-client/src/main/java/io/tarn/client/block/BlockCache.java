package io.tarn.client.block;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decoded blocks in memory, least recently used evicted first, bounded by the heap their arrays take.
 * A block is a read-only buffer of its plain bytes, which may be a slice of a larger array (the fetched
 * object, when its payload is stored raw: no copy is made to decode it); the whole array is counted.
 * Concurrent misses for one block share one load. A block a client wrote ({@link #putWritten}) whose
 * array nobody was ever handed goes, when evicted, to a recycler (the write budget), so a long sequential
 * write cycles its buffers through the cache instead of allocating one per block. Thread-safe.
 */
public final class BlockCache {
    private final long capacityBytes;
    private final LinkedHashMap<Long, Entry> lru = new LinkedHashMap<>(256, 0.75f, true);
    private final ConcurrentHashMap<Long, CompletableFuture<ByteBuffer>> loading = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong(), misses = new AtomicLong(), loads = new AtomicLong();
    private long bytes;
    private volatile Consumer<byte[]> recycler = a -> {};

    public BlockCache(long capacityBytes) {
        this.capacityBytes = Math.max(0, capacityBytes);
    }

    /**
     * A cached block and the heap it keeps alive (its whole backing array, not only its slice). {@code own}:
     * the array of a written block, recyclable on eviction while {@code handedOut} is false (both guarded by
     * the cache's lock: once evicted, an entry is never handed out).
     */
    private static final class Entry {
        final ByteBuffer view;
        final long weight;
        final byte[] own;
        boolean handedOut;

        Entry(ByteBuffer view, long weight, byte[] own) {
            this.view = view;
            this.weight = weight;
            this.own = own;
        }
    }

    /** Where evicted written blocks that nobody read go (their arrays are reused as write buffers). */
    public void recycleWrittenTo(Consumer<byte[]> recycler) {
        this.recycler = recycler;
    }

    /** The cached block (a read-only buffer of its plain bytes, position 0), or null. */
    public ByteBuffer getIfPresent(long blockId) {
        Entry e;
        synchronized (lru) {
            e = lru.get(blockId);
            if (e != null) e.handedOut = true;
        }
        (e == null ? misses : hits).incrementAndGet();
        return e == null ? null : e.view.duplicate();
    }

    /**
     * The block (read-only, position 0), loading it with {@code loader} on a miss; one load per block at a
     * time, whose result or failure every concurrent caller for that block shares.
     */
    public ByteBuffer get(long blockId, Supplier<ByteBuffer> loader) {
        ByteBuffer b = getIfPresent(blockId);
        if (b != null) return b;
        CompletableFuture<ByteBuffer> mine = new CompletableFuture<>();
        CompletableFuture<ByteBuffer> running = loading.putIfAbsent(blockId, mine);
        if (running != null) {
            try {
                return running.join().duplicate();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw e;
            }
        }
        try {
            b = getIfPresent(blockId); // it may have landed between our miss and our claim
            if (b == null) {
                loads.incrementAndGet();
                ByteBuffer loaded = loader.get();
                put(blockId, loaded);
                b = loaded.slice().asReadOnlyBuffer();
            }
            mine.complete(b);
            return b.duplicate();
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(blockId, mine);
        }
    }

    /**
     * Caches {@code block}'s remaining bytes, which nobody may change afterwards. A slice of a writable
     * heap array counts the whole array; a read-only buffer (whose array is not visible) counts its own
     * capacity: such buffers come from stores that hold the bytes anyway.
     */
    public void put(long blockId, ByteBuffer block) {
        put(blockId, block, null);
    }

    /** Caches a whole block array a client has just written; nobody may change it afterwards. */
    public void putWritten(long blockId, byte[] block) {
        put(blockId, ByteBuffer.wrap(block), block);
    }

    private void put(long blockId, ByteBuffer block, byte[] own) {
        long weight = HeapFootprint.ofArray(block.hasArray() ? block.array().length : block.capacity());
        if (weight > capacityBytes) return;
        Entry e = new Entry(block.slice().asReadOnlyBuffer(), weight, own);
        synchronized (lru) {
            removed(lru.put(blockId, e));
            bytes += weight;
            Iterator<Map.Entry<Long, Entry>> it = lru.entrySet().iterator();
            while (bytes > capacityBytes && it.hasNext()) {
                Entry old = it.next().getValue();
                it.remove();
                removed(old);
            }
        }
    }

    /** Accounts for an entry that left the cache (lock held); a written block nobody read is recycled. */
    private void removed(Entry old) {
        if (old == null) return;
        bytes -= old.weight;
        if (old.own != null && !old.handedOut) recycler.accept(old.own);
    }

    public void invalidate(long blockId) {
        synchronized (lru) {
            removed(lru.remove(blockId));
        }
    }

    public long bytes() {
        synchronized (lru) {
            return bytes;
        }
    }

    public int entries() {
        synchronized (lru) {
            return lru.size();
        }
    }

    /** Loads started (misses that went to the store). */
    public long loads() {
        return loads.get();
    }

    public long hits() {
        return hits.get();
    }
}
