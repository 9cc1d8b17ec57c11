package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.LockClaim;
import io.tarn.api.LockRanges;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A client's side of the server-held locks (ADR 0110): it forwards lock requests, waits for a
 * blocking one in slices the server bounds (so no call outlives the RPC deadline and a cancel can
 * come in between), and keeps a copy of what this session holds, which it re-asserts when the server
 * restarts and which tells a close whether there is anything to release.
 *
 * <p>Releases follow what the kernel sends over FUSE: a descriptor's close (FLUSH) drops every POSIX
 * lock of the closing process on that file; the last close of an open file (RELEASE) drops the locks
 * of owners that locked only through that open file: flock locks and open-file-description locks.
 */
final class ClientLocks {
    private static final System.Logger LOG = System.getLogger(ClientLocks.class.getName());
    /** How long one setLock call may wait on the server before it answers "still waiting". */
    static final int WAIT_SLICE_MILLIS = 5_000;

    private record OwnerKey(int kind, long owner) {}

    private final MetaService meta;
    private final Function<Caller, Ctx> ctx;
    private final AtomicLong waitIds = new AtomicLong(System.nanoTime() & 0xffffffffL);
    /** ino -> owner -> ranges held, as granted by the server. */
    private final Map<Long, Map<OwnerKey, List<LockSpec>>> held = new HashMap<>();
    /** Open file handle -> its inode and the owner ids that locked through it. */
    private final Map<Long, Long> fhIno = new HashMap<>();
    private final Map<Long, Set<Long>> fhOwners = new HashMap<>();

    ClientLocks(MetaService meta, Function<Caller, Ctx> ctx) {
        this.meta = meta;
        this.ctx = ctx;
    }

    /** A fresh id for one blocking request; pass it to {@link #cancel} to interrupt the wait. */
    long newWaitId() {
        return waitIds.incrementAndGet();
    }

    LockSpec test(Caller c, long ino, LockSpec lock) {
        return meta.testLock(ctx.apply(c), ino, lock);
    }

    /**
     * Sets the lock; with {@code waitId} != 0 waits until granted, EDEADLK, or EINTR after
     * {@link #cancel}. EAGAIN for a conflict without waiting.
     */
    void set(Caller c, long ino, long fh, LockSpec lock, long waitId) {
        try {
            if (waitId == 0) {
                meta.setLock(ctx.apply(c), ino, lock, 0, 0);
            } else {
                while (meta.setLock(ctx.apply(c), ino, lock, waitId, WAIT_SLICE_MILLIS) != MetaService.LOCK_GRANTED) {
                    // still queued on the server: ask again, in the same place in the queue
                }
            }
        } catch (RuntimeException e) {
            // A flock conversion drops the old lock before it asks (as on Linux), whatever happens next.
            if (lock.kind() == LockSpec.FLOCK) {
                synchronized (this) {
                    Map<OwnerKey, List<LockSpec>> m = held.get(ino);
                    if (m != null && m.remove(new OwnerKey(LockSpec.FLOCK, lock.owner())) != null && m.isEmpty()) held.remove(ino);
                }
            }
            throw e;
        }
        record(ino, fh, lock);
    }

    /** Interrupts a wait: the waiting {@link #set} then fails EINTR, unless the lock was granted first. */
    void cancel(Caller c, long waitId) {
        meta.cancelLockWait(ctx.apply(c), waitId);
    }

    /** close(2) of a descriptor by the process whose POSIX lock owner id is {@code owner}. */
    void closed(Caller c, long ino, long owner) {
        if (!holds(ino, owner)) return;
        meta.releaseLocks(ctx.apply(c), ino, owner);
        synchronized (this) {
            forget(ino, owner);
            fhIno.forEach((fh, i) -> {
                if (i == ino) {
                    Set<Long> s = fhOwners.get(fh);
                    if (s != null) s.remove(owner);
                }
            });
        }
    }

    /** The last close of open file {@code fh}: the locks owned by that open file go. */
    void released(Caller c, long fh, long flockOwner) {
        long ino;
        Set<Long> owners;
        synchronized (this) {
            Long i = fhIno.remove(fh);
            owners = fhOwners.remove(fh);
            if (i == null) return;
            ino = i;
        }
        if (owners == null) owners = new HashSet<>();
        if (flockOwner != 0) owners.add(flockOwner);
        for (long owner : owners) {
            if (!holds(ino, owner)) continue;
            meta.releaseLocks(ctx.apply(c), ino, owner);
            synchronized (this) {
                forget(ino, owner);
            }
        }
    }

    /** Everything this session holds, for a server that restarted. */
    synchronized List<LockClaim> claims() {
        List<LockClaim> out = new ArrayList<>();
        held.forEach((ino, owners) -> owners.values().forEach(ls -> ls.forEach(l -> out.add(new LockClaim(ino, l)))));
        return out;
    }

    /** Re-asserts every held lock after a server restart; retried a few times, since the server may still be settling. */
    void reclaim(Caller c) {
        for (int attempt = 1; ; attempt++) {
            try {
                List<LockClaim> claims = claims();
                int refused = meta.reclaimLocks(ctx.apply(c), claims);
                if (refused > 0) {
                    LOG.log(System.Logger.Level.ERROR, "the metadata server restarted and refused {0} of the {1} lock(s) this client held; "
                            + "programs holding them are no longer protected", refused, claims.size());
                } else {
                    LOG.log(System.Logger.Level.INFO, "re-asserted {0} lock(s) after a metadata server restart", claims.size());
                }
                return;
            } catch (RuntimeException e) {
                if (attempt >= 5) {
                    LOG.log(System.Logger.Level.ERROR, "could not re-assert locks after a metadata server restart: {0}", e.getMessage());
                    return;
                }
            }
        }
    }

    /** Open file handles with the owners that locked through them, for a successor process. */
    synchronized List<VfsState.LockedFile> lockedFiles() {
        List<VfsState.LockedFile> out = new ArrayList<>();
        fhOwners.forEach((fh, owners) -> out.add(new VfsState.LockedFile(fh, fhIno.get(fh), List.copyOf(owners))));
        return out;
    }

    /** Takes over what a predecessor process held (its {@link #claims} and {@link #lockedFiles}). */
    synchronized void restore(List<LockClaim> claims, List<VfsState.LockedFile> files) {
        for (LockClaim c : claims) {
            Map<OwnerKey, List<LockSpec>> m = held.computeIfAbsent(c.ino(), x -> new HashMap<>());
            m.computeIfAbsent(new OwnerKey(c.lock().kind(), c.lock().owner()), x -> new ArrayList<>()).add(c.lock());
        }
        for (VfsState.LockedFile f : files) {
            fhIno.put(f.fh(), f.ino());
            fhOwners.computeIfAbsent(f.fh(), x -> new HashSet<>()).addAll(f.owners());
        }
    }

    synchronized int heldCount() {
        return held.values().stream().mapToInt(m -> m.values().stream().mapToInt(List::size).sum()).sum();
    }

    private synchronized boolean holds(long ino, long owner) {
        Map<OwnerKey, List<LockSpec>> m = held.get(ino);
        return m != null && (m.containsKey(new OwnerKey(LockSpec.POSIX, owner)) || m.containsKey(new OwnerKey(LockSpec.FLOCK, owner)));
    }

    private synchronized void record(long ino, long fh, LockSpec lock) {
        Map<OwnerKey, List<LockSpec>> m = held.computeIfAbsent(ino, x -> new HashMap<>());
        OwnerKey k = new OwnerKey(lock.kind(), lock.owner());
        // flock replaces the owner's lock whole; fcntl changes only its range.
        List<LockSpec> before = lock.kind() == LockSpec.FLOCK ? List.of() : m.getOrDefault(k, List.of());
        List<LockSpec> now = LockRanges.apply(before, lock);
        if (now.isEmpty()) m.remove(k);
        else m.put(k, now);
        if (m.isEmpty()) held.remove(ino);
        if (fh >= 0 && lock.type() != LockSpec.UNLCK) {
            fhIno.put(fh, ino);
            fhOwners.computeIfAbsent(fh, x -> new HashSet<>()).add(lock.owner());
        }
    }

    private void forget(long ino, long owner) {
        Map<OwnerKey, List<LockSpec>> m = held.get(ino);
        if (m == null) return;
        m.remove(new OwnerKey(LockSpec.POSIX, owner));
        m.remove(new OwnerKey(LockSpec.FLOCK, owner));
        if (m.isEmpty()) held.remove(ino);
    }
}
