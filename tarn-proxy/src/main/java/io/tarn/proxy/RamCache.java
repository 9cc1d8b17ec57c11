package io.tarn.proxy;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

/**
 * Whole objects kept in memory in front of a store, least recently used dropped first, at most
 * {@code maxBytes} of them. Puts go to the store first (the staging area: durable before the cache holds
 * them), whole-object reads fill the cache, range reads of an uncached object go below untouched.
 *
 * <p>A read that raced a put or delete of its key must not put the older bytes back: every key hashes to
 * one of 256 stamps, bumped by every put and delete, and a read fills the cache only if its stamp did not
 * move while it read.
 */
final class RamCache implements ObjectStore {
    private static final int STRIPES = 256;

    private final ObjectStore store;
    private final long maxBytes, maxObject;
    private final LinkedHashMap<String, byte[]> objects = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);
    private long bytes, hits, misses;

    RamCache(ObjectStore store, long maxBytes) {
        this.store = store;
        this.maxBytes = Math.max(0, maxBytes);
        // One object may not take more than an eighth: a few huge objects would flush everything else.
        this.maxObject = this.maxBytes / 8;
    }

    private static int stripe(String key) {
        return (key.hashCode() * 0x9E3779B9) >>> 24;
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        byte[] b;
        synchronized (this) {
            b = objects.get(key);
            if (b != null) hits++;
            else misses++;
        }
        if (b != null) return Optional.of(slice(b, offset, length));
        if (offset != 0 || length >= 0 || maxObject == 0) return store.get(key, offset, length);
        long stamp = stamps.get(stripe(key));
        Optional<ByteBuffer> got = store.get(key, 0, -1);
        if (got.isEmpty()) return got;
        ByteBuffer d = got.get().duplicate();
        byte[] all = new byte[d.remaining()];
        d.get(all);
        synchronized (this) {
            if (stamps.get(stripe(key)) == stamp) keep(key, all);
        }
        return Optional.of(ByteBuffer.wrap(all.clone()));
    }

    private static ByteBuffer slice(byte[] b, long offset, int length) {
        if (offset >= b.length) return ByteBuffer.allocate(0);
        int n = (int) (length < 0 ? b.length - offset : Math.min(length, b.length - offset));
        byte[] copy = new byte[n];
        System.arraycopy(b, (int) offset, copy, 0, n);
        return ByteBuffer.wrap(copy); // the caller's own: the cached bytes stay as they are
    }

    /** Holds {@code b} under {@code key}, dropping the least recently used objects to stay under the bound. Holds the lock. */
    private void keep(String key, byte[] b) {
        byte[] old = objects.remove(key);
        if (old != null) bytes -= old.length;
        if (b.length > maxObject) return;
        objects.put(key, b);
        bytes += b.length;
        Iterator<Map.Entry<String, byte[]>> it = objects.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().length;
            it.remove();
        }
    }

    @Override
    public void put(String key, ByteBuffer data) {
        byte[] copy = null;
        if (maxObject > 0 && data.remaining() <= maxObject) {
            ByteBuffer d = data.duplicate();
            copy = new byte[d.remaining()];
            d.get(copy);
        }
        int stripe = stripe(key);
        long mine = stamps.incrementAndGet(stripe);
        synchronized (this) {
            byte[] old = objects.remove(key); // a failed put must not leave an older version answering
            if (old != null) bytes -= old.length;
        }
        store.put(key, data);
        synchronized (this) {
            // Another put or delete of this stripe meanwhile may have reached the store after this one: keep neither.
            if (copy != null && stamps.get(stripe) == mine) keep(key, copy);
            else if (objects.remove(key) instanceof byte[] old) bytes -= old.length;
            stamps.incrementAndGet(stripe);
        }
    }

    @Override
    public void delete(String key) {
        stamps.incrementAndGet(stripe(key));
        synchronized (this) {
            byte[] old = objects.remove(key);
            if (old != null) bytes -= old.length;
        }
        store.delete(key);
        stamps.incrementAndGet(stripe(key));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return store.head(key);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        return store.list(prefix, startAfter);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    /** Objects and bytes held, hits and misses of whole-object reads so far. */
    record Stats(int objects, long bytes, long hits, long misses) {}

    synchronized Stats stats() {
        return new Stats(objects.size(), bytes, hits, misses);
    }

    @Override
    public void close() {
        synchronized (this) {
            objects.clear();
            bytes = 0;
        }
    }
}
