package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * Objects in a sorted in-memory map: the fake for unit tests, and {@code mem://name} stores, which live
 * as long as the JVM so a test can "remount" by opening the same name again.
 */
public final class MemoryObjectStore implements ObjectStore {
    private static final Map<String, MemoryObjectStore> NAMED = new ConcurrentHashMap<>();

    private record Entry(byte[] data, long lastModifiedMillis) {}

    private final ConcurrentSkipListMap<String, Entry> objects = new ConcurrentSkipListMap<>();
    private final String name;
    private volatile boolean closed;

    private final boolean shared;

    public MemoryObjectStore() {
        this("anonymous", false);
    }

    private MemoryObjectStore(String name, boolean shared) {
        this.name = name;
        this.shared = shared;
    }

    /** The store for {@code mem://name}: the same instance for the same name within this JVM. */
    public static MemoryObjectStore named(String name) {
        return NAMED.computeIfAbsent(name, n -> new MemoryObjectStore(n, true));
    }

    /** Drops the named store and its objects (tests). */
    public static void forget(String name) {
        NAMED.remove(name);
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        checkOpen();
        ObjectKeys.check(key);
        if (offset < 0) throw new ObjectStoreException("negative offset " + offset + " for " + key, false);
        Entry e = objects.get(key);
        if (e == null) return Optional.empty();
        int from = (int) Math.min(offset, e.data.length);
        int to = length < 0 ? e.data.length : (int) Math.min(e.data.length, (long) from + length);
        byte[] copy = new byte[to - from];
        System.arraycopy(e.data, from, copy, 0, copy.length);
        return Optional.of(ByteBuffer.wrap(copy));
    }

    @Override
    public void put(String key, ByteBuffer data) {
        checkOpen();
        ObjectKeys.check(key);
        ByteBuffer src = data.duplicate();
        byte[] copy = new byte[src.remaining()];
        src.get(copy);
        objects.put(key, new Entry(copy, System.currentTimeMillis()));
    }

    @Override
    public void delete(String key) {
        checkOpen();
        ObjectKeys.check(key);
        objects.remove(key);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        checkOpen();
        String p = prefix == null ? "" : prefix;
        NavigableMap<String, Entry> tail = startAfter != null && startAfter.compareTo(p) >= 0
                ? objects.tailMap(startAfter, false) : objects.tailMap(p, true);
        return tail.entrySet().stream()
                .takeWhile(en -> en.getKey().startsWith(p))
                .map(en -> new ObjectInfo(en.getKey(), en.getValue().data.length, en.getValue().lastModifiedMillis));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        checkOpen();
        Entry e = objects.get(ObjectKeys.check(key));
        return e == null ? Optional.empty() : Optional.of(new ObjectInfo(key, e.data.length, e.lastModifiedMillis));
    }

    /** Number of objects (tests). */
    public int size() {
        return objects.size();
    }

    @Override
    public String describe() {
        return "mem://" + name;
    }

    private void checkOpen() {
        if (closed) throw new ObjectStoreException("store " + describe() + " is closed", false);
    }

    @Override
    public void close() {
        // A named store outlives its users so that a second open of mem://name sees the same objects.
        if (!shared) closed = true;
    }
}
