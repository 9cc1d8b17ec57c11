package io.tarn.client.block;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A local-disk cache of whole objects in front of an object store, for block objects (immutable,
 * never overwritten: ADR 0040), so a cached copy is never stale. Objects that were put or fetched whole
 * are kept as files under {@code dir}, each followed by a CRC32C of its bytes; a range read is served
 * from a cached copy when there is one.
 *
 * <p>Bounded by {@code maxBytes} (least recently used files go first) and by a free-space floor: when
 * the file system has less than {@code freeFloorBytes} usable, or a write fails (disk full, I/O error),
 * nothing more is cached until space comes back; reads never fail because of the cache. A copy whose
 * checksum does not match is deleted and the object is fetched from the store. The files are found
 * again when a client starts over the same directory. Thread-safe.
 */
public final class DiskCachedObjectStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(DiskCachedObjectStore.class.getName());
    private static final String SUFFIX = ".blk";

    private final ObjectStore store;
    private final Path dir;
    private final long maxBytes;
    private final long freeFloorBytes;
    private final LinkedHashMap<String, Long> files = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;
    private volatile boolean full;
    private long hits, misses, skipped, corrupt;

    public DiskCachedObjectStore(ObjectStore store, Path dir, long maxBytes, long freeFloorBytes) {
        this.store = store;
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.freeFloorBytes = freeFloorBytes;
        try {
            Files.createDirectories(dir);
            reload();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "disk cache {0} unusable, not caching: {1}", dir, e.toString());
            full = true;
        }
    }

    /** Finds the files a previous client left, oldest first, and drops temporary leftovers. */
    private void reload() throws IOException {
        record Found(String name, long size, long modified) {}
        java.util.List<Found> found = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.endsWith(SUFFIX)) {
                    Files.deleteIfExists(p);
                    continue;
                }
                found.add(new Found(n, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
            }
        }
        found.sort(java.util.Comparator.comparingLong(Found::modified));
        synchronized (files) {
            for (Found f : found) {
                files.put(f.name, f.size);
                bytes += f.size;
            }
        }
        evict();
    }

    private static String fileName(String key) {
        return HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + SUFFIX;
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        byte[] cached = cached(key);
        if (cached != null) {
            if (offset >= cached.length) return Optional.of(ByteBuffer.allocate(0));
            int n = (int) (length < 0 ? cached.length - offset : Math.min(length, cached.length - offset));
            return Optional.of(ByteBuffer.wrap(cached, (int) offset, n).slice());
        }
        Optional<ByteBuffer> got = store.get(key, offset, length);
        if (got.isPresent() && offset == 0 && length < 0) keep(key, got.get().duplicate());
        return got;
    }

    @Override
    public void put(String key, ByteBuffer data) {
        store.put(key, data.duplicate());
        keep(key, data.duplicate());
    }

    @Override
    public void delete(String key) {
        drop(fileName(key));
        store.delete(key);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        return store.list(prefix, startAfter);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return store.head(key);
    }

    @Override
    public String describe() {
        return store.describe() + " (disk cache " + dir + ")";
    }

    /** The cached object's bytes, checked; null if not cached or its copy was bad (then it is gone). */
    private byte[] cached(String key) {
        String name = fileName(key);
        synchronized (files) {
            if (files.get(name) == null) {
                misses++;
                return null;
            }
        }
        Path p = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size >= 4 && size - 4 <= Integer.MAX_VALUE - 8) {
                // The object into an array of its own size and the checksum apart: no second copy to trim it.
                byte[] object = new byte[(int) (size - 4)];
                ByteBuffer sum = ByteBuffer.allocate(4);
                ByteBuffer[] into = {ByteBuffer.wrap(object), sum};
                long got = 0;
                for (long r; got < size && (r = ch.read(into)) > 0; ) got += r;
                CRC32C crc = new CRC32C();
                crc.update(object);
                if (got == size && (int) crc.getValue() == sum.flip().getInt()) {
                    synchronized (files) {
                        hits++;
                    }
                    return object;
                }
            }
            synchronized (files) {
                corrupt++;
            }
            LOG.log(System.Logger.Level.WARNING, "disk cache file {0} is corrupt; fetching the object again", p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "disk cache file {0} unreadable: {1}", p, e.toString());
        }
        drop(name);
        return null;
    }

    /** Writes a copy (temporary file, then rename); skips it when the disk is short of space or failing. */
    private void keep(String key, ByteBuffer data) {
        int n = data.remaining();
        if (n + 4L > maxBytes) return;
        if (full && !spaceCameBack()) {
            synchronized (files) {
                skipped++;
            }
            return;
        }
        String name = fileName(key);
        Path tmp = dir.resolve(name + ".tmp-" + Thread.currentThread().threadId());
        try {
            if (dir.getFileSystem().provider().getFileStore(dir).getUsableSpace() - n < freeFloorBytes) {
                full = true;
                synchronized (files) {
                    skipped++;
                }
                return;
            }
            CRC32C crc = new CRC32C();
            crc.update(data.duplicate());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                while (data.hasRemaining()) ch.write(data);
                ByteBuffer sum = ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip();
                while (sum.hasRemaining()) ch.write(sum);
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // A full or failing disk must not fail the read or write that wanted the copy.
            full = true;
            LOG.log(System.Logger.Level.WARNING, "disk cache {0}: not caching for now: {1}", dir, e.toString());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
            return;
        }
        synchronized (files) {
            Long old = files.put(name, n + 4L);
            if (old != null) bytes -= old;
            bytes += n + 4L;
        }
        evict();
    }

    /** After a failure or a low-space skip: caching resumes once the floor is cleared again. */
    private boolean spaceCameBack() {
        try {
            if (dir.getFileSystem().provider().getFileStore(dir).getUsableSpace() >= freeFloorBytes + (64L << 20)) {
                full = false;
                return true;
            }
        } catch (IOException ignored) {
            // still unusable
        }
        return false;
    }

    private void evict() {
        while (true) {
            String victim;
            synchronized (files) {
                if (bytes <= maxBytes || files.isEmpty()) return;
                Iterator<Map.Entry<String, Long>> it = files.entrySet().iterator();
                Map.Entry<String, Long> e = it.next();
                victim = e.getKey();
                bytes -= e.getValue();
                it.remove();
            }
            delete(victim, false);
        }
    }

    private void drop(String name) {
        synchronized (files) {
            Long size = files.remove(name);
            if (size != null) bytes -= size;
        }
        delete(name, true);
    }

    private void delete(String name, boolean quiet) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            if (!quiet) LOG.log(System.Logger.Level.WARNING, "disk cache: cannot delete {0}: {1}", name, e.toString());
        }
    }

    /** Counters: bytes held, files, hits, misses, copies skipped for lack of space, corrupt copies found. */
    public record Stats(long bytes, int files, long hits, long misses, long skipped, long corrupt, boolean caching) {}

    public Stats stats() {
        synchronized (files) {
            return new Stats(bytes, files.size(), hits, misses, skipped, corrupt, !full);
        }
    }

    /** Closes the store below; cached files stay for the next client. */
    @Override
    public void close() {
        store.close();
    }
}
