package io.tarn.client.block;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Decoded blocks in memory, least recently used evicted first, bounded by the heap their arrays take.
 * A block is a read-only buffer of its plain bytes, which may be a slice of a larger array (the fetched
 * object, when its payload is stored raw: no copy is made to decode it); the whole array is counted.
 * Concurrent misses for one block share one load. Thread-safe.
 */
public final class BlockCache {
    private final long capacityBytes;
    private final LinkedHashMap<Long, Entry> lru = new LinkedHashMap<>(256, 0.75f, true);
    private final ConcurrentHashMap<Long, CompletableFuture<ByteBuffer>> loading = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong(), misses = new AtomicLong(), loads = new AtomicLong();
    private long bytes;

    public BlockCache(long capacityBytes) {
        this.capacityBytes = Math.max(0, capacityBytes);
    }

    /** The cached block, or null. */
    /** A cached block and the heap it keeps alive (its whole backing array, not only its slice). */
    private record Entry(ByteBuffer view, long weight) {}

    /** The cached block (a read-only buffer of its plain bytes, position 0), or null. */
    public ByteBuffer getIfPresent(long blockId) {
        Entry e;
        synchronized (lru) {
            e = lru.get(blockId);
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
        long weight = HeapFootprint.ofArray(block.hasArray() ? block.array().length : block.capacity());
        if (weight > capacityBytes) return;
        Entry e = new Entry(block.slice().asReadOnlyBuffer(), weight);
        synchronized (lru) {
            Entry old = lru.put(blockId, e);
            if (old != null) bytes -= old.weight;
            bytes += weight;
            Iterator<Map.Entry<Long, Entry>> it = lru.entrySet().iterator();
            while (bytes > capacityBytes && it.hasNext()) {
                bytes -= it.next().getValue().weight;
                it.remove();
            }
        }
    }

    public void invalidate(long blockId) {
        synchronized (lru) {
            Entry old = lru.remove(blockId);
            if (old != null) bytes -= old.weight;
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
