package io.tarn.client.block;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Decoded blocks in memory, least recently used evicted first, bounded by the sum of their sizes.
 * Concurrent misses for one block share one load. Cached arrays are never handed out for writing:
 * callers copy from them. Thread-safe.
 */
public final class BlockCache {
    private final long capacityBytes;
    private final LinkedHashMap<Long, byte[]> lru = new LinkedHashMap<>(256, 0.75f, true);
    private final ConcurrentHashMap<Long, CompletableFuture<byte[]>> loading = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong(), misses = new AtomicLong(), loads = new AtomicLong();
    private long bytes;

    public BlockCache(long capacityBytes) {
        this.capacityBytes = Math.max(0, capacityBytes);
    }

    /** The cached block, or null. */
    public byte[] getIfPresent(long blockId) {
        byte[] b;
        synchronized (lru) {
            b = lru.get(blockId);
        }
        (b == null ? misses : hits).incrementAndGet();
        return b;
    }

    /**
     * The block, loading it with {@code loader} on a miss; one load per block at a time, whose result or
     * failure every concurrent caller for that block shares.
     */
    public byte[] get(long blockId, Supplier<byte[]> loader) {
        byte[] b = getIfPresent(blockId);
        if (b != null) return b;
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> running = loading.putIfAbsent(blockId, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw e;
            }
        }
        try {
            b = getIfPresent(blockId); // it may have landed between our miss and our claim
            if (b == null) {
                loads.incrementAndGet();
                b = loader.get();
                put(blockId, b);
            }
            mine.complete(b);
            return b;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(blockId, mine);
        }
    }

    public void put(long blockId, byte[] block) {
        long weight = HeapFootprint.ofArray(block.length);
        if (weight > capacityBytes) return;
        synchronized (lru) {
            byte[] old = lru.put(blockId, block);
            if (old != null) bytes -= HeapFootprint.ofArray(old.length);
            bytes += weight;
            Iterator<Map.Entry<Long, byte[]>> it = lru.entrySet().iterator();
            while (bytes > capacityBytes && it.hasNext()) {
                bytes -= HeapFootprint.ofArray(it.next().getValue().length);
                it.remove();
            }
        }
    }

    public void invalidate(long blockId) {
        synchronized (lru) {
            byte[] old = lru.remove(blockId);
            if (old != null) bytes -= HeapFootprint.ofArray(old.length);
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
