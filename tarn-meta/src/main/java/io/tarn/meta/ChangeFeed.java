package io.tarn.meta;

import io.tarn.api.Change;
import io.tarn.api.ChangeBatch;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The change feed of ADR 0120: per volume, a ring of the last {@code capacity} changes committed,
 * each with the session that made it and a sequence number. Memory is bounded per volume whatever the
 * number or speed of the sessions reading it: a session whose cursor the ring has overwritten gets a
 * reset (drop all caches), not a queue. Lives in memory only; its random id changes with every
 * server start, so a client's cursor from before a restart is answered with a reset. A volume's ring
 * is made by its first reader, so volumes nobody follows cost nothing.
 */
final class ChangeFeed {
    static final int DEFAULT_CAPACITY = 8192;

    private final long id;
    private final int capacity;
    private final ConcurrentHashMap<Long, Ring> rings = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ChangeFeed(int capacity) {
        this.capacity = capacity;
        long r;
        do {
            r = new SecureRandom().nextLong();
        } while (r == 0);
        this.id = r;
    }

    long id() {
        return id;
    }

    private final class Ring {
        final ReentrantLock lock = new ReentrantLock();
        final Condition arrived = lock.newCondition();
        final Change[] changes = new Change[capacity];
        final long[] origins = new long[capacity];
        /** Sequence number of the next change; the ring holds {@code [max(1, next - capacity), next)}. */
        long next = 1;
    }

    /** Records what {@code session} committed in volume {@code vol}; call after the commit. */
    void publish(long vol, long session, Collection<Change> changes) {
        if (changes.isEmpty()) return;
        Ring r = rings.get(vol);
        if (r == null) return;
        r.lock.lock();
        try {
            for (Change c : changes) {
                int slot = (int) (r.next % capacity);
                r.changes[slot] = c;
                r.origins[slot] = session;
                r.next++;
            }
            r.arrived.signalAll();
        } finally {
            r.lock.unlock();
        }
    }

    /** Whether anyone has read volume {@code vol}'s feed since this server started. */
    boolean followed(long vol) {
        return rings.containsKey(vol);
    }

    /** Forgets a deleted volume; its readers get resets. */
    void forget(long vol) {
        Ring r = rings.remove(vol);
        if (r != null) wake(r);
    }

    /** See {@link io.tarn.api.MetaService#changes}; an interrupt ends the wait early with what there is. */
    ChangeBatch poll(long vol, long session, long feed, long cursor, int max, long waitNanos) {
        Ring r = rings.computeIfAbsent(vol, v -> new Ring());
        long deadline = System.nanoTime() + Math.max(0, waitNanos);
        int limit = Math.max(1, max);
        r.lock.lock();
        try {
            if (feed != id || cursor < 0 || cursor >= r.next || cursor < r.next - capacity - 1)
                return new ChangeBatch(id, r.next - 1, true, List.of());
            List<Change> out = new ArrayList<>();
            long at = cursor;
            while (true) {
                while (at + 1 < r.next && out.size() < limit) {
                    at++;
                    int slot = (int) (at % capacity);
                    if (r.origins[slot] != session) out.add(r.changes[slot]);
                }
                if (!out.isEmpty() || closed || rings.get(vol) != r) return new ChangeBatch(id, at, false, out);
                long left = deadline - System.nanoTime();
                if (left <= 0) return new ChangeBatch(id, at, false, out);
                try {
                    r.arrived.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new ChangeBatch(id, at, false, out);
                }
                // Fell behind while waiting for the lock back: what was skipped is gone.
                if (at < r.next - capacity - 1) return new ChangeBatch(id, r.next - 1, true, List.of());
            }
        } finally {
            r.lock.unlock();
        }
    }

    /** Ends every wait; later polls answer at once. */
    void close() {
        closed = true;
        rings.values().forEach(ChangeFeed::wake);
    }

    private static void wake(Ring r) {
        r.lock.lock();
        try {
            r.arrived.signalAll();
        } finally {
            r.lock.unlock();
        }
    }

    /** How long a wait may be at most; a poll asking for more is cut to this. */
    static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(25);
}
