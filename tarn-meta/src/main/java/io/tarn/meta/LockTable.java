package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockRanges;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;

/**
 * The byte-range and flock locks of every session, held in the server's memory (ADR 0110).
 *
 * <p>An owner is (session, kind, the client's lock owner id): POSIX owners are processes (or, for
 * open-file-description locks, open files), flock owners are open files. Locks of one owner never
 * conflict with each other; POSIX and flock locks never conflict with each other (Linux keeps them
 * apart too). A request that conflicts queues FIFO behind the inode's other waiters; every change to
 * an inode's locks grants what became grantable, in queue order. A POSIX request that would wait for
 * an owner that (transitively) waits for it fails EDEADLK.
 *
 * <p>Waiting parks the calling (virtual) thread on a condition for at most the time it asked for;
 * the request stays queued between such slices under its wait id, so a client can wait for hours
 * through calls that each end well within the RPC deadline, and cancel the wait in between.
 *
 * <p>After a server start the table is empty while sessions from before may believe they hold locks:
 * those "boot sessions" must {@link #reclaim} first, and until every boot session of a volume has
 * reclaimed or ended, nothing else on that volume is granted or tested.
 */
final class LockTable {
    record Owner(long session, int kind, long owner) {}

    private record Key(long vol, long ino) {}

    private record WaitKey(long session, long waitId) {}

    private static final int WAITING = 0, GRANTED = 1, CANCELLED = 2, ENDED = 3;

    private final class Waiter {
        final Key key;
        final Owner owner;
        final LockSpec lock;
        final WaitKey id;
        final Condition changed = mu.newCondition();
        int state = WAITING;

        Waiter(Key key, Owner owner, LockSpec lock, WaitKey id) {
            this.key = key;
            this.owner = owner;
            this.lock = lock;
            this.id = id;
        }
    }

    private static final class Inode {
        final Map<Owner, List<LockSpec>> held = new LinkedHashMap<>();
        final List<Waiter> waiters = new ArrayList<>();

        boolean isEmpty() {
            return held.isEmpty() && waiters.isEmpty();
        }
    }

    private final ReentrantLock mu = new ReentrantLock();
    private final Condition graceChanged = mu.newCondition();
    private final Map<Key, Inode> inodes = new HashMap<>();
    private final Map<Long, Set<Key>> bySession = new HashMap<>();
    /** Queued requests, and granted ones until their client collects the grant. */
    private final Map<WaitKey, Waiter> waiting = new HashMap<>();
    /** Wait ids cancelled before or while they waited: a call still on its way for one fails EINTR. */
    private final Set<WaitKey> cancelled = java.util.Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<WaitKey, Boolean> eldest) {
            return size() > 4096;
        }
    });
    private final Map<Owner, List<Waiter>> waitsOf = new HashMap<>();
    /** Boot sessions (from before this server started) that have not reclaimed yet, with their volume. */
    private final Map<Long, Long> unreclaimed = new HashMap<>();
    private final LongPredicate alive;

    /** {@code alive} tells whether a session still lives; a holder found dead loses its locks at once. */
    LockTable(LongPredicate alive) {
        this.alive = alive;
    }

    void bootSession(long session, long vol) {
        mu.lock();
        try {
            unreclaimed.put(session, vol);
        } finally {
            mu.unlock();
        }
    }

    /** Forgets the boot sessions: no client from before can come back (the embedded server died with its only client). */
    void noReclaims() {
        mu.lock();
        try {
            unreclaimed.clear();
            graceChanged.signalAll();
        } finally {
            mu.unlock();
        }
    }

    /** True while some boot session of {@code vol} has not reclaimed. */
    boolean inGrace(long vol) {
        mu.lock();
        try {
            return unreclaimed.containsValue(vol);
        } finally {
            mu.unlock();
        }
    }

    /** F_GETLK: the first conflicting lock of another owner, owner field 0; null if none. */
    LockSpec test(long vol, long ino, long session, LockSpec req, long graceWaitNanos) {
        mu.lock();
        try {
            if (!awaitGrace(vol, System.nanoTime() + graceWaitNanos))
                throw FsException.of(Errno.ENOLCK, "the metadata server restarted and waits for clients to reclaim their locks");
            Owner me = new Owner(session, req.kind(), req.owner());
            while (true) {
                Inode n = inodes.get(new Key(vol, ino));
                if (n == null) return null;
                LockSpec found = null;
                for (var e : n.held.entrySet()) {
                    if (e.getKey().equals(me)) continue;
                    for (LockSpec l : e.getValue()) {
                        if (l.conflictsWith(req)) {
                            found = l;
                            break;
                        }
                    }
                    if (found != null) {
                        if (dropIfDead(e.getKey().session())) break;
                        return new LockSpec(found.kind(), 0, found.start(), found.end(), found.type(), found.pid());
                    }
                }
                if (found == null) return null;
            }
        } finally {
            mu.unlock();
        }
    }

    /**
     * Takes, changes or drops a lock; see {@link MetaService#setLock}. {@code waitNanos} 0: EAGAIN on
     * conflict. Otherwise queues under {@code waitId} and waits at most that long.
     */
    int set(long vol, long ino, long session, LockSpec req, long waitId, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        mu.lock();
        try {
            if (!awaitGrace(vol, deadline)) {
                if (waitNanos == 0) throw FsException.of(Errno.EAGAIN, "the metadata server restarted and waits for clients to reclaim their locks");
                return MetaService.LOCK_WAITING;
            }
            WaitKey wk = new WaitKey(session, waitId);
            if (waitId != 0) {
                if (cancelled.contains(wk)) throw FsException.of(Errno.EINTR, "the lock wait was cancelled");
                Waiter w = waiting.get(wk);
                if (w != null) {
                    grantable(w);
                    return await(w, deadline);
                }
            }
            Key k = new Key(vol, ino);
            Owner o = new Owner(session, req.kind(), req.owner());
            Inode n = inode(k);
            if (req.type() == LockSpec.UNLCK) {
                apply(k, n, o, req);
                grantWaiters(k, n);
                return MetaService.LOCK_GRANTED;
            }
            // flock converts by dropping the old lock first (not atomic, as on Linux): another
            // waiter may get in between, and a failed non-blocking conversion leaves no lock.
            if (req.kind() == LockSpec.FLOCK && n.held.remove(o) != null) grantWaiters(k, n);
            Set<Owner> blockers = liveBlockers(k, o, req);
            // Dropping a dead holder or granting waiters may have emptied and removed the inode's entry.
            n = inode(k);
            if (blockers.isEmpty()) {
                apply(k, n, o, req);
                grantWaiters(k, n);
                return MetaService.LOCK_GRANTED;
            }
            if (waitNanos <= 0) {
                dropIfEmpty(k, n);
                throw FsException.of(Errno.EAGAIN, "range %d-%s of inode %d is locked", req.start(),
                        req.end() == LockSpec.EOF ? "EOF" : Long.toString(req.end()), ino);
            }
            if (waitId == 0) throw FsException.of(Errno.EINVAL, "a lock request that waits needs a wait id");
            if (req.kind() == LockSpec.POSIX && deadlock(o, blockers))
                throw FsException.of(Errno.EDEADLK, "waiting for inode %d would deadlock", ino);
            Waiter w = new Waiter(k, o, req, wk);
            n.waiters.add(w);
            waiting.put(wk, w);
            waitsOf.computeIfAbsent(o, x -> new ArrayList<>()).add(w);
            bySession.computeIfAbsent(session, x -> new HashSet<>()).add(k);
            return await(w, deadline);
        } finally {
            mu.unlock();
        }
    }

    /**
     * Cancels a wait: a queued request leaves its queue, and a call for this wait id that has not
     * arrived yet will fail EINTR. False if the request was granted already (its next call collects
     * the grant) or is unknown.
     */
    boolean cancel(long session, long waitId) {
        mu.lock();
        try {
            WaitKey wk = new WaitKey(session, waitId);
            Waiter w = waiting.get(wk);
            if (w != null && w.state == GRANTED) return false;
            cancelled.add(wk);
            if (w == null) return false;
            unqueue(w, CANCELLED);
            return true;
        } finally {
            mu.unlock();
        }
    }

    /** Drops every lock (both kinds) of one owner id of the session on one inode. */
    void releaseOwner(long vol, long ino, long session, long owner) {
        mu.lock();
        try {
            Key k = new Key(vol, ino);
            Inode n = inodes.get(k);
            if (n == null) return;
            boolean changed = n.held.remove(new Owner(session, LockSpec.POSIX, owner)) != null;
            changed |= n.held.remove(new Owner(session, LockSpec.FLOCK, owner)) != null;
            if (changed) grantWaiters(k, n);
            dropIfEmpty(k, n);
        } finally {
            mu.unlock();
        }
    }

    /**
     * Restores locks a session held before the restart. A boot session's claims are taken as they are
     * (nothing else was granted on its volume meanwhile); anyone else's only where nothing conflicts.
     * Returns the number refused.
     */
    int reclaim(long vol, long session, Map<Long, List<LockSpec>> claims) {
        mu.lock();
        try {
            boolean boot = unreclaimed.containsKey(session);
            int refused = 0;
            for (var e : claims.entrySet()) {
                Key k = new Key(vol, e.getKey());
                for (LockSpec l : e.getValue()) {
                    if (l.type() == LockSpec.UNLCK) continue;
                    Owner o = new Owner(session, l.kind(), l.owner());
                    if (!boot && !liveBlockers(k, o, l).isEmpty()) {
                        refused++;
                        continue;
                    }
                    apply(k, inode(k), o, l);
                }
                Inode n = inodes.get(k);
                if (n != null) dropIfEmpty(k, n);
            }
            if (unreclaimed.remove(session) != null) graceChanged.signalAll();
            return refused;
        } finally {
            mu.unlock();
        }
    }

    /** A session ended (closed, expired, crashed): its locks go, its waiters fail, others may proceed. */
    void endSession(long session) {
        mu.lock();
        try {
            dropSession(session);
        } finally {
            mu.unlock();
        }
    }

    /** Locks held now, per owner, for tests and operators. */
    Map<Owner, List<LockSpec>> held(long vol, long ino) {
        mu.lock();
        try {
            Inode n = inodes.get(new Key(vol, ino));
            return n == null ? Map.of() : new LinkedHashMap<>(n.held);
        } finally {
            mu.unlock();
        }
    }

    /** Requests queued now, on all inodes. */
    int waiters() {
        mu.lock();
        try {
            return (int) waiting.values().stream().filter(w -> w.state == WAITING).count();
        } finally {
            mu.unlock();
        }
    }

    // ---- under mu ------------------------------------------------------------------------------

    private boolean awaitGrace(long vol, long deadline) {
        while (unreclaimed.containsValue(vol)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            try {
                graceChanged.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw FsException.of(Errno.EINTR, "the metadata server is stopping");
            }
        }
        return true;
    }

    private int await(Waiter w, long deadline) {
        while (w.state == WAITING) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return MetaService.LOCK_WAITING;
            try {
                w.changed.awaitNanos(left);
            } catch (InterruptedException e) {
                unqueue(w, CANCELLED);
                Thread.currentThread().interrupt();
                throw FsException.of(Errno.EINTR, "the metadata server is stopping");
            }
        }
        if (w.state == GRANTED) waiting.remove(w.id, w);
        return switch (w.state) {
            case GRANTED -> MetaService.LOCK_GRANTED;
            case CANCELLED -> throw FsException.of(Errno.EINTR, "the lock wait was cancelled");
            default -> throw FsException.of(Errno.ESTALE, "session %d ended while waiting for a lock", w.id.session());
        };
    }

    private Inode inode(Key k) {
        return inodes.computeIfAbsent(k, x -> new Inode());
    }

    private void apply(Key k, Inode n, Owner o, LockSpec req) {
        List<LockSpec> now = LockRanges.apply(n.held.getOrDefault(o, List.of()), req);
        if (now.isEmpty()) n.held.remove(o);
        else {
            n.held.put(o, now);
            bySession.computeIfAbsent(o.session(), x -> new HashSet<>()).add(k);
        }
    }

    /** Owners whose locks on {@code k} conflict with {@code req}. */
    private Set<Owner> blockers(Key k, Owner me, LockSpec req) {
        Inode n = inodes.get(k);
        if (n == null) return Set.of();
        Set<Owner> out = new LinkedHashSet<>();
        for (var e : n.held.entrySet()) {
            if (e.getKey().equals(me)) continue;
            for (LockSpec l : e.getValue()) {
                if (l.conflictsWith(req)) {
                    out.add(e.getKey());
                    break;
                }
            }
        }
        return out;
    }

    /** As {@link #blockers}, after dropping the locks of holders whose session has died. */
    private Set<Owner> liveBlockers(Key k, Owner me, LockSpec req) {
        while (true) {
            Set<Owner> b = blockers(k, me, req);
            boolean dropped = false;
            for (long s : b.stream().map(Owner::session).distinct().toList()) dropped |= dropIfDead(s);
            if (!dropped) return b;
        }
    }

    private boolean dropIfDead(long session) {
        if (alive.test(session)) return false;
        dropSession(session);
        return true;
    }

    /** Grants the waiter if nothing blocks it any more (used when its client comes back for it). */
    private void grantable(Waiter w) {
        if (w.state == WAITING && liveBlockers(w.key, w.owner, w.lock).isEmpty()) {
            Inode n = inodes.get(w.key);
            if (n != null) grantWaiters(w.key, n);
        }
    }

    /** Grants queued requests that no longer conflict, in queue order, until nothing changes. */
    private void grantWaiters(Key k, Inode n) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Waiter w : List.copyOf(n.waiters)) {
                if (w.state != WAITING || !blockers(k, w.owner, w.lock).isEmpty()) continue;
                apply(k, n, w.owner, w.lock);
                unqueue(w, GRANTED);
                changed = true;
            }
        }
        dropIfEmpty(k, n);
    }

    private void unqueue(Waiter w, int state) {
        w.state = state;
        if (state != GRANTED) waiting.remove(w.id, w);
        List<Waiter> mine = waitsOf.get(w.owner);
        if (mine != null) {
            mine.remove(w);
            if (mine.isEmpty()) waitsOf.remove(w.owner);
        }
        Inode n = inodes.get(w.key);
        if (n != null) {
            n.waiters.remove(w);
            dropIfEmpty(w.key, n);
        }
        w.changed.signalAll();
    }

    private void dropIfEmpty(Key k, Inode n) {
        if (n.isEmpty()) inodes.remove(k, n);
    }

    /** True if {@code me} waiting for {@code blockers} closes a cycle of POSIX owners waiting for each other. */
    private boolean deadlock(Owner me, Collection<Owner> blockers) {
        Deque<Owner> todo = new ArrayDeque<>(blockers);
        Set<Owner> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Owner h = todo.pop();
            if (h.equals(me)) return true;
            if (!seen.add(h)) continue;
            for (Waiter w : waitsOf.getOrDefault(h, List.of())) {
                if (w.lock.kind() == LockSpec.POSIX) todo.addAll(blockers(w.key, w.owner, w.lock));
            }
        }
        return false;
    }

    private void dropSession(long session) {
        if (unreclaimed.remove(session) != null) graceChanged.signalAll();
        for (Waiter w : List.copyOf(waiting.values())) {
            if (w.id.session() != session) continue;
            if (w.state == GRANTED) waiting.remove(w.id, w);
            else unqueue(w, ENDED);
        }
        cancelled.removeIf(k -> k.session() == session);
        Set<Key> keys = bySession.remove(session);
        if (keys == null) return;
        for (Key k : keys) {
            Inode n = inodes.get(k);
            if (n == null) continue;
            if (n.held.keySet().removeIf(o -> o.session() == session)) grantWaiters(k, n);
            dropIfEmpty(k, n);
        }
    }

    static long millisToNanos(int millis) {
        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
    }
}
