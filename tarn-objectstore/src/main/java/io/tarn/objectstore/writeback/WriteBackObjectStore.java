package io.tarn.objectstore.writeback;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectKeys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Write-back staging in front of an object store (opt-in per mount, ADR 0071): {@link #put} writes the
 * object to a file under {@code dir}, syncs it and its directory, and returns; background uploaders then
 * send it to the store and delete the file. So a close or fsync is durable on the client's local disk
 * when it returns, and the store catches up. Staged objects are read from their file until uploaded.
 *
 * <p>Nothing acknowledged is lost when the client dies: the next client started over the same directory
 * finds the staged files and uploads them (a torn file, left by a crash before its rename, was never
 * acknowledged and is dropped). A failed upload is retried with growing waits, without end. The staged
 * bytes are bounded: a put waits while the bound is used up, and when the local disk is short of its
 * free-space floor, or a staging write fails, the put goes straight to the store instead (write-through),
 * so a full disk slows writes down but never fails them.
 *
 * <p>Block objects are immutable and their keys unique (ADR 0040), so an object uploaded twice, by two
 * clients over one directory or after a crash between upload and file deletion, is the same object.
 */
public final class WriteBackObjectStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(WriteBackObjectStore.class.getName());
    static final String SUFFIX = ".wb";
    /** Queued once per uploader at close; never a valid key. */
    private static final String STOP = "";

    /** The newest staged version of a key and the bytes it counts against the bound. */
    private record Entry(long gen, long size) {}

    private final ObjectStore store;
    private final Path dir;
    private final long maxBytes, freeFloorBytes;
    private final Duration drainTimeout;
    private final ConcurrentHashMap<String, Entry> staged = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Deleted while an upload of it was in flight: not shown until that uploader has let go of it. */
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final AtomicLong gens = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Thread> uploaders = new ArrayList<>();
    private long stagedBytes;
    private int uploading;
    private volatile boolean closed;
    private long uploads, writeThroughs, failures;

    /**
     * @param uploaders    background uploads in flight at most
     * @param drainTimeout how long {@link #close} waits for staged objects to reach the store before it
     *                     leaves the rest for the next client over {@code dir}
     */
    public WriteBackObjectStore(ObjectStore store, Path dir, long maxBytes, long freeFloorBytes, int uploaders,
                                Duration drainTimeout) throws IOException {
        this.store = store;
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.freeFloorBytes = freeFloorBytes;
        this.drainTimeout = drainTimeout;
        Files.createDirectories(dir);
        int found = reload();
        if (found > 0) LOG.log(INFO, "write-back {0}: {1} staged objects ({2} bytes) left by an earlier client; uploading them",
                dir, found, stagedBytes);
        for (int i = 0; i < Math.max(1, uploaders); i++)
            this.uploaders.add(Thread.ofPlatform().daemon().name("tarn-writeback-" + i).start(this::uploadLoop));
    }

    /**
     * Queues what an earlier client staged, oldest first; keeps only the newest version of a key, and
     * drops temporary files and names not ours: none of them was acknowledged.
     */
    private int reload() throws IOException {
        record Found(StagedFile.Version v, long size, long modified) {}
        List<Found> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                StagedFile.Version v = null;
                try {
                    if (n.endsWith(SUFFIX)) v = StagedFile.version(n);
                } catch (IllegalArgumentException notOurs) {
                    // deleted below
                }
                if (v == null) Files.deleteIfExists(p);
                else found.add(new Found(v, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
            }
        }
        found.sort(Comparator.comparingLong(Found::modified));
        for (Found f : found) {
            gens.accumulateAndGet(f.v.gen(), Math::max);
            Entry old = staged.get(f.v.key());
            if (old != null && old.gen > f.v.gen()) {
                StagedFile.delete(dir, f.v.key(), f.v.gen());
                continue;
            }
            if (old != null) {
                StagedFile.delete(dir, f.v.key(), old.gen);
                stagedBytes -= old.size;
            } else {
                queue.add(f.v.key());
            }
            staged.put(f.v.key(), new Entry(f.v.gen(), f.size));
            stagedBytes += f.size;
        }
        return staged.size();
    }

    @Override
    public void put(String key, ByteBuffer data) {
        if (closed) throw new IllegalStateException("write-back store " + dir + " is closed");
        ObjectKeys.check(key); // refuse a bad key now, not in an upload that can only log it
        hidden.remove(key);
        long size = data.remaining() + (long) StagedFile.TRAILER;
        if (size > maxBytes || !reserve(size) || !stage(key, data.duplicate(), size)) {
            // An older staged version must not answer later reads, nor be uploaded over this one.
            dropStaged(key);
            store.put(key, data);
            synchronized (this) {
                writeThroughs++;
            }
        }
    }

    /** Waits until {@code size} more bytes fit under the bound; false (write through) if they cannot right now. */
    private boolean reserve(long size) {
        if (lowOnSpace(size)) return false;
        lock.lock();
        try {
            while (stagedBytes + size > maxBytes) {
                // Back-pressure: uploads free space; if none is running or queued there is nothing to wait for.
                if (uploading == 0 && queue.isEmpty()) return false;
                changed.awaitUninterruptibly();
            }
            stagedBytes += size;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean lowOnSpace(long size) {
        try {
            return Files.getFileStore(dir).getUsableSpace() - size < freeFloorBytes;
        } catch (IOException e) {
            return true;
        }
    }

    /** Writes and syncs a new version; on failure gives the reservation back and says so. */
    private boolean stage(String key, ByteBuffer data, long size) {
        long gen = gens.incrementAndGet();
        try {
            StagedFile.write(dir, key, gen, data);
        } catch (IOException | RuntimeException e) {
            LOG.log(WARNING, "write-back {0}: cannot stage {1}, writing it through: {2}", dir, key, e.toString());
            release(size);
            return false;
        }
        Entry mine = new Entry(gen, size);
        Entry[] replaced = new Entry[1];
        Entry now = staged.compute(key, (k, old) -> {
            if (old != null && old.gen > gen) return old; // a later put of this key won already
            replaced[0] = old;
            return mine;
        });
        Entry loser = now == mine ? replaced[0] : mine;
        if (loser != null) discard(key, loser);
        if (now == mine && replaced[0] == null) queue.add(key);
        return true;
    }

    /** Deletes a version's file and gives its bytes back. */
    private void discard(String key, Entry e) {
        deleteFile(key, e);
        release(e.size);
    }

    private void deleteFile(String key, Entry e) {
        try {
            StagedFile.delete(dir, key, e.gen);
        } catch (IOException ex) {
            LOG.log(WARNING, "write-back {0}: cannot delete staged {1}: {2}", dir, key, ex.toString());
        }
    }

    /** Forgets any staged version of {@code key} and deletes its file. */
    private void dropStaged(String key) {
        Entry e = staged.remove(key);
        if (e != null) discard(key, e);
    }

    private void release(long size) {
        lock.lock();
        try {
            stagedBytes -= size;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void uploadLoop() {
        while (true) {
            String key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key.equals(STOP)) return;
            if (!inFlight.add(key)) continue; // its uploader sends the newest version before it lets go
            busy(+1);
            try {
                upload(key);
            } finally {
                lock.lock();
                try {
                    inFlight.remove(key);
                    hidden.remove(key);
                } finally {
                    lock.unlock();
                }
                busy(-1);
            }
            // A version staged after the uploader's last look but before it let go would otherwise wait forever.
            if (staged.containsKey(key) && !closed) queue.add(key);
        }
    }

    private void busy(int delta) {
        lock.lock();
        try {
            uploading += delta;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends the newest staged version of one key to the store, again if a newer one was staged meanwhile,
     * retrying failures with growing waits until the store has it or the client stops.
     */
    private void upload(String key) {
        long wait = 100;
        Entry e;
        while (!closed && (e = staged.get(key)) != null) {
            byte[] bytes;
            try {
                bytes = StagedFile.read(dir, key, e.gen);
            } catch (NoSuchFileException replacedOrDeleted) {
                if (staged.remove(key, e)) { // still current, so its file was removed behind our back
                    LOG.log(ERROR, "write-back {0}: staged file of {1} vanished; it cannot be uploaded", dir, key);
                    release(e.size);
                }
                continue; // look again at what is staged now
            } catch (IOException ex) {
                LOG.log(ERROR, "write-back {0}: staged object {1} is damaged ({2}); it cannot be uploaded",
                        dir, key, ex.getMessage());
                synchronized (this) {
                    failures++;
                }
                if (staged.remove(key, e)) discard(key, e);
                continue;
            }
            try {
                store.put(key, ByteBuffer.wrap(bytes));
            } catch (RuntimeException ex) {
                synchronized (this) {
                    failures++;
                }
                LOG.log(WARNING, "write-back {0}: upload of {1} failed, retrying in about {2} ms: {3}", dir, key, wait, ex.toString());
                if (!pause(wait)) return; // closing: the file stays for the next client
                wait = Math.min(wait * 2, 30_000);
                continue;
            }
            synchronized (this) {
                uploads++;
            }
            // The file goes before the entry: once nothing is staged (what drain waits for), no staged file
            // is left either. A reader that loses the race to the file reads the store, which has it now.
            if (staged.get(key) == e) deleteFile(key, e);
            if (staged.remove(key, e)) {
                release(e.size);
                return;
            }
            // Deleted meanwhile: the delete may have reached the store before this upload did.
            if (!staged.containsKey(key)) store.delete(key);
        }
    }

    /** Waits about {@code millis} (with jitter, so that many clients do not retry together); false if closing. */
    private boolean pause(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
        lock.lock();
        try {
            long left;
            while (!closed && (left = until - System.nanoTime()) > 0) changed.awaitNanos(left);
            return !closed;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        Entry e;
        while ((e = staged.get(key)) != null) {
            try {
                byte[] all = StagedFile.read(dir, key, e.gen);
                if (offset >= all.length) return Optional.of(ByteBuffer.allocate(0));
                int n = (int) (length < 0 ? all.length - offset : Math.min(length, all.length - offset));
                return Optional.of(ByteBuffer.wrap(all, (int) offset, n).slice());
            } catch (NoSuchFileException uploadedOrReplaced) {
                if (staged.get(key) == e) break; // cannot happen while e is current; read the store
            } catch (IOException ex) {
                LOG.log(ERROR, "write-back {0}: staged object {1} unreadable ({2}); reading the store", dir, key, ex.getMessage());
                break;
            }
        }
        return hidden.contains(key) ? Optional.empty() : store.get(key, offset, length);
    }

    @Override
    public void delete(String key) {
        dropStaged(key);
        // An upload of it in flight may reach the store after this delete; its uploader then deletes it
        // again. Until it has, the key is hidden, so that a listing after this delete never shows it.
        lock.lock();
        try {
            if (inFlight.contains(key)) hidden.add(key);
        } finally {
            lock.unlock();
        }
        store.delete(key); // it may have been uploaded already
    }

    /** The store's listing merged with what is staged and not uploaded yet, in key order. */
    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        TreeMap<String, ObjectInfo> mine = new TreeMap<>();
        String p = prefix == null ? "" : prefix; // null lists everything, as for any store
        staged.forEach((k, e) -> {
            if (k.startsWith(p) && (startAfter == null || k.compareTo(startAfter) > 0))
                mine.put(k, new ObjectInfo(k, e.size - StagedFile.TRAILER, System.currentTimeMillis()));
        });
        Stream<ObjectInfo> theirs = store.list(prefix, startAfter);
        if (!hidden.isEmpty()) theirs = theirs.filter(o -> !hidden.contains(o.key()));
        if (mine.isEmpty()) return theirs;
        return SortedMerge.of(mine.values().iterator(), theirs);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        Entry e = staged.get(key);
        if (e != null) return Optional.of(new ObjectInfo(key, e.size - StagedFile.TRAILER, System.currentTimeMillis()));
        return hidden.contains(key) ? Optional.empty() : store.head(key);
    }

    @Override
    public String describe() {
        return store.describe() + " (write-back " + dir + ")";
    }

    /** Counters: objects and bytes staged now, uploads done, puts written through, failed upload attempts. */
    public record Stats(int staged, long stagedBytes, long uploads, long writeThroughs, long failures) {}

    public Stats stats() {
        long bytes;
        lock.lock();
        try {
            bytes = stagedBytes;
        } finally {
            lock.unlock();
        }
        synchronized (this) {
            return new Stats(staged.size(), bytes, uploads, writeThroughs, failures);
        }
    }

    /** Waits until nothing is staged; false if {@code timeout} passed first. */
    public boolean drain(Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            long left;
            while (!staged.isEmpty()) {
                if ((left = until - System.nanoTime()) <= 0) return false;
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to the drain timeout for staged objects to be uploaded, then stops the uploaders; what is
     * still staged stays on disk, durable, for the next client over the same directory. The store below
     * stays open: it belongs to whoever passed it in.
     */
    @Override
    public void close() {
        stop(drainTimeout);
    }

    /** Stops at once, leaving everything staged to a successor process that opened the same directory. */
    public void abandon() {
        stop(Duration.ZERO);
    }

    private void stop(Duration timeout) {
        if (closed) return;
        boolean drained = drain(timeout);
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < uploaders.size(); i++) queue.add(STOP);
        for (Thread t : uploaders) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!drained) {
            Stats s = stats();
            LOG.log(WARNING, "write-back {0}: {1} objects ({2} bytes) not uploaded yet; they stay staged and upload "
                    + "when a client starts over this directory again", dir, s.staged(), s.stagedBytes());
        }
    }
}
