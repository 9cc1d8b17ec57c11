package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.kv.KvCheckpoints;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Point-in-time views and the history they need (ADR 0080): whole-store checkpoints registered under
 * {@code G checkpoint/<time>}, the per-volume history floor, views opened as read-only sessions held in
 * this server's memory, and the pruning of journal records and checkpoints that no instant inside a
 * retention window needs any more.
 *
 * <p>Each open view is also pinned durably ({@code G view/<session>} -> volume, instant; ADR 0081): a
 * restarted server loads the pins, keeps GC and pruning off what they need, and rebuilds a view under its
 * old session id on its first call or heartbeat, so a client's view survives the restart like a live
 * session. A pin nobody resumes within the session timeout after the start is dropped.
 */
final class TimeTravel {
    /**
     * A view replays from just after the newest record of its volume inside the checkpoint; a checkpoint
     * with no record of the volume replays from this long before its registered time (a record stamped
     * before it may have committed after it), and pruning keeps this much before a checkpoint. Replaying a
     * record already in the checkpoint is harmless (after-images, applied in order).
     */
    static final long SLACK_NS = 60_000_000_000L;
    private static final int PAGE = 10_000;
    private static final System.Logger LOG = System.getLogger(TimeTravel.class.getName());

    /** An open view: a read-only session on volume {@code volume} as of {@code atNs}. */
    record View(long session, VolumeRecord volume, long atNs, ViewStore store, String checkpoint, AtomicLong heartbeatNs) {}

    record Checkpoint(long timeNs, String name) {}

    /** A view of a previous run of the server, not resumed yet. */
    record Pin(long volume, long atNs) {}

    private final KvStore kv;
    private final KvCheckpoints checkpoints;
    private final LongSupplier clock;
    private final long startedNs;
    private final ConcurrentHashMap<Long, View> views = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pin> pinned = new ConcurrentHashMap<>();

    TimeTravel(KvStore kv, KvCheckpoints checkpoints, LongSupplier clock) {
        this.kv = kv;
        this.checkpoints = checkpoints;
        this.clock = clock;
        this.startedNs = clock.getAsLong();
        byte[] prefix = Keys.viewPins();
        for (KvEntry e : kv.read(r -> r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE))) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(e.value());
            pinned.put(Keys.longAt(e.key(), prefix.length), new Pin(b.getLong(), b.getLong()));
        }
    }

    /** The open view of this session, resuming a pinned one first; null if the session is no view. */
    View view(long session) {
        View v = views.get(session);
        if (v != null || pinned.isEmpty() || !pinned.containsKey(session)) return v;
        return resume(session);
    }

    boolean isView(long session) {
        return (!views.isEmpty() && views.containsKey(session)) || (!pinned.isEmpty() && pinned.containsKey(session));
    }

    /**
     * Rebuilds a view of the previous run under its session id. No window check: the pin kept pruning and
     * GC off the history it needs, exactly as the open view did. Null (and the pin dropped) if it cannot be built.
     */
    private synchronized View resume(long session) {
        View open = views.get(session);
        if (open != null) return open;
        Pin p = pinned.get(session);
        if (p == null) return null;
        try {
            VolumeRecord v = kv.read(r -> Volumes.byId(r, p.volume()));
            if (v == null) throw FsException.of(Errno.ESTALE, "its volume is gone");
            View view = build(v, p.atNs(), session);
            views.put(session, view);
            pinned.remove(session);
            LOG.log(System.Logger.Level.INFO, "resumed the view of {0} at {1} (session {2}) after a restart", v.name(), show(p.atNs()), session);
            return view;
        } catch (FsException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot resume view session " + session + ": " + e.getMessage());
            unpin(session);
            pinned.remove(session);
            return null;
        }
    }

    private void unpin(long session) {
        kv.write(w -> {
            w.delete(Keys.viewPin(session));
            return null;
        });
    }

    // ---- views ---------------------------------------------------------------------------------

    SessionInfo open(String volume, long atNs) {
        VolumeRecord v = kv.read(r -> Volumes.byName(r, volume));
        long now = clock.getAsLong();
        if (v.retentionSeconds() == 0)
            throw FsException.of(Errno.EINVAL, "volume %s keeps no history (retention 0); turn it on with: tarn volume set %s --retention 7d",
                    volume, volume);
        if (atNs > now) throw FsException.of(Errno.EINVAL, "instant %s is in the future", show(atNs));
        long oldest = oldestInstant(v, now);
        if (oldest < 0)
            throw FsException.of(Errno.EINVAL, "volume %s has no instant available for time travel yet", volume);
        if (atNs < oldest)
            throw FsException.of(Errno.EINVAL, "instant %s is outside the retention window of volume %s: the oldest instant available is %s",
                    show(atNs), volume, show(oldest));
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        } while (id == 0 || views.containsKey(id) || pinned.containsKey(id));
        View view = build(v, atNs, id);
        long vol = v.id();
        kv.write(w -> {
            w.put(Keys.viewPin(view.session()), java.nio.ByteBuffer.allocate(16).putLong(vol).putLong(atNs).array());
            return null;
        });
        views.put(view.session(), view);
        LOG.log(System.Logger.Level.INFO, "opened a view of {0} at {1} (session {2}, {3} replayed writes)",
                volume, show(atNs), view.session(), view.store().replayedWrites());
        return new SessionInfo(view.session(), v.info());
    }

    private View build(VolumeRecord v, long atNs, long session) {
        long floor = floor(kv, v);
        List<Checkpoint> all = checkpoints == null ? List.of() : kv.read(TimeTravel::registered);
        for (Checkpoint c : all.reversed()) {
            if (c.timeNs() > atNs || c.timeNs() < floor || c.timeNs() < v.createdNs()) continue;
            KvStore base = checkpoints.open(c.name());
            byte[][] last = new byte[1][];
            boolean usable = base.read(r -> {
                if (r.get(Keys.volume(v.id())) == null) return false;
                last[0] = lastJournalKey(r, v.id());
                return last[0] == null || Keys.longAt(last[0], 10) <= atNs;
            });
            if (!usable) {
                base.close();
                continue;
            }
            // Replay what the checkpoint lacks: after its newest record of the volume (on a serial engine
            // stamps follow commit order, so everything before it is inside), or from the slack without one.
            byte[] from = last[0] != null ? Keys.after(last[0]) : Keys.journal(v.id(), Math.max(0, c.timeNs() - SLACK_NS), 0);
            return replay(v, atNs, new ViewStore(base), from, c.name(), session);
        }
        if (floor != Long.MIN_VALUE)
            throw FsException.of(Errno.EIO, "no checkpoint of volume %s to start a view at %s from", v.name(), show(atNs));
        ViewStore genesis = new ViewStore(new MemoryKvStore());
        genesis.build(w -> w.put(Keys.inode(v.id(), VolumeRecord.ROOT_INO), Volumes.rootInode(v.createdNs()).encode()));
        return replay(v, atNs, genesis, Keys.journal(v.id(), 0, 0), null, session);
    }

    /**
     * The newest journal key of volume {@code vol} in {@code r}, or null: a binary search on the time
     * with one-entry seeks (about 63), so finding a checkpoint's end costs no scan of its records.
     */
    static byte[] lastJournalKey(io.tarn.api.kv.KvReader r, long vol) {
        byte[] end = Keys.end(Keys.inVolume(vol, Keys.JOURNAL));
        if (r.scan(Keys.journal(vol, 0, 0), end, 1).isEmpty()) return null;
        long lo = 0, hi = Long.MAX_VALUE; // a record at or after lo exists; none at or after hi
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (r.scan(Keys.journal(vol, mid, 0), end, 1).isEmpty()) hi = mid;
            else lo = mid;
        }
        return r.scan(Keys.journal(vol, lo, 0), end, Integer.MAX_VALUE).getLast().key();
    }

    /** Applies the volume's journal records from key {@code fromKey} up to time {@code at} to the view, in commit order. */
    private View replay(VolumeRecord v, long atNs, ViewStore store, byte[] fromKey, String checkpoint, long session) {
        byte[] to = Keys.journal(v.id(), atNs + 1, 0);
        byte[][] from = {fromKey};
        while (true) {
            List<KvEntry> page = kv.read(r -> r.scan(from[0], to, PAGE));
            store.build(w -> {
                for (KvEntry e : page) Journal.replay(e.value(), v.id(), w);
            });
            if (page.size() < PAGE) break;
            from[0] = Keys.after(page.getLast().key());
        }
        return new View(session, v, atNs, store, checkpoint, new AtomicLong(clock.getAsLong()));
    }

    boolean heartbeat(long session) {
        View v = view(session);
        if (v == null) return false;
        v.heartbeatNs().set(clock.getAsLong());
        return true;
    }

    boolean close(long session) {
        View v = views.remove(session);
        boolean wasPinned = pinned.remove(session) != null;
        if (v == null && !wasPinned) return false;
        unpin(session);
        if (v != null) v.store().close();
        return true;
    }

    /**
     * Closes views whose session has not heartbeated for {@code timeoutNs}, and drops pins of the previous
     * run nobody resumed within that long after the start; returns how many.
     */
    int expire(long timeoutNs) {
        long now = clock.getAsLong();
        int n = 0;
        for (View v : List.copyOf(views.values()))
            if (now - v.heartbeatNs().get() > timeoutNs && close(v.session())) n++;
        if (now - startedNs > timeoutNs)
            for (long s : List.copyOf(pinned.keySet())) if (close(s)) n++;
        return n;
    }

    /** Closes the views in memory; their pins stay, so the next start of the server can resume them. */
    void closeAll() {
        for (View v : List.copyOf(views.values())) {
            views.remove(v.session());
            v.store().close();
        }
    }

    /** The oldest instant an open or pinned view of volume {@code vol} shows, or Long.MAX_VALUE if none. */
    long oldestOpenView(long vol) {
        long oldest = Long.MAX_VALUE;
        for (View v : views.values()) if (v.volume().id() == vol) oldest = Math.min(oldest, v.atNs());
        for (Pin p : pinned.values()) if (p.volume() == vol) oldest = Math.min(oldest, p.atNs());
        return oldest;
    }

    // ---- what is available ---------------------------------------------------------------------

    /** Long.MIN_VALUE when the volume's journal is complete since its creation. */
    static long floor(KvStore kv, VolumeRecord v) {
        byte[] f = kv.read(r -> r.get(Keys.historyFloor(v.id())));
        return f == null ? Long.MIN_VALUE : Keys.toLong(f);
    }

    /** The oldest instant a view of {@code v} can show now, or -1 if none. */
    long oldestInstant(VolumeRecord v, long now) {
        if (v.retentionSeconds() == 0) return -1;
        long floor = floor(kv, v), base = -1;
        if (floor == Long.MIN_VALUE) {
            base = v.createdNs();
        } else if (checkpoints != null) {
            for (Checkpoint c : kv.read(TimeTravel::registered)) {
                if (c.timeNs() >= floor && c.timeNs() >= v.createdNs()) {
                    base = c.timeNs();
                    break;
                }
            }
        }
        if (base < 0) return -1;
        long windowStart = v.retentionSeconds() < 0 ? Long.MIN_VALUE : now - v.retentionSeconds() * 1_000_000_000L;
        return Math.max(base, windowStart);
    }

    static List<Checkpoint> registered(io.tarn.api.kv.KvReader r) {
        byte[] prefix = Keys.checkpoints();
        List<Checkpoint> out = new ArrayList<>();
        for (KvEntry e : r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE))
            out.add(new Checkpoint(Keys.longAt(e.key(), prefix.length), new String(e.value(), java.nio.charset.StandardCharsets.UTF_8)));
        return out;
    }

    // ---- checkpoints and pruning ---------------------------------------------------------------

    /** Takes a checkpoint now if the newest is older than {@code intervalNs} and some volume keeps history; true if taken. */
    boolean maybeCheckpoint(long intervalNs) {
        if (checkpoints == null) return false;
        List<Checkpoint> all = kv.read(TimeTravel::registered);
        long now = clock.getAsLong();
        if (!all.isEmpty() && now - all.getLast().timeNs() < intervalNs) return false;
        if (kv.read(Volumes::list).stream().noneMatch(v -> v.retentionSeconds() != 0)) return false;
        checkpoint();
        return true;
    }

    /** Takes a checkpoint of the whole store and registers it; returns its time. */
    long checkpoint() {
        if (checkpoints == null) throw FsException.of(Errno.ENOTSUP, "this metadata store takes no checkpoints");
        long now = clock.getAsLong();
        List<Checkpoint> all = kv.read(TimeTravel::registered);
        long time = all.isEmpty() ? now : Math.max(now, all.getLast().timeNs() + 1);
        String name = "cp-" + time;
        checkpoints.take(name);
        kv.write(w -> {
            w.put(Keys.checkpoint(time), Keys.utf8(name));
            return null;
        });
        return time;
    }

    /**
     * Drops journal records and checkpoints no instant inside any volume's window needs: for a volume
     * with retention R, the view at now-R starts from the newest checkpoint C* at or before now-R, so
     * records older than C* (less the slack) go and C* becomes the volume's history floor. Without a
     * checkpoint store, records older than the window go and views are no longer possible before it.
     */
    long prune() {
        long now = clock.getAsLong();
        List<Checkpoint> all = checkpoints == null ? List.of() : kv.read(TimeTravel::registered);
        long keepFrom = Long.MAX_VALUE, total = 0;
        for (VolumeRecord v : kv.read(Volumes::list)) {
            if (v.retentionSeconds() == 0) continue;
            if (v.retentionSeconds() < 0) {
                keepFrom = Long.MIN_VALUE;
                continue;
            }
            long cutoff = now - v.retentionSeconds() * 1_000_000_000L;
            keepFrom = Math.min(keepFrom, Math.min(cutoff, oldestOpenView(v.id())));
            Checkpoint star = null;
            for (Checkpoint c : all) if (c.timeNs() <= cutoff && c.timeNs() >= v.createdNs()) star = c;
            long dropBefore, newFloor;
            if (star != null) {
                keepFrom = Math.min(keepFrom, star.timeNs());
                dropBefore = star.timeNs() - SLACK_NS;
                newFloor = star.timeNs();
            } else if (checkpoints == null) {
                dropBefore = cutoff;
                newFloor = cutoff;
            } else {
                continue;
            }
            if (oldestOpenView(v.id()) < newFloor) continue; // an open view may still be replaying from here
            long n = dropRecords(v, dropBefore);
            if (n > 0) {
                long old = floor(kv, v);
                if (newFloor > old) kv.write(w -> {
                    w.put(Keys.historyFloor(v.id()), Keys.ofLong(newFloor));
                    return null;
                });
            }
            total += n;
        }
        for (Checkpoint c : all) {
            if (c.timeNs() >= keepFrom) break;
            if (views.values().stream().anyMatch(v -> c.name().equals(v.checkpoint()))) continue;
            if (neededByPin(c, all)) continue;
            checkpoints.drop(c.name());
            kv.write(w -> {
                w.delete(Keys.checkpoint(c.timeNs()));
                return null;
            });
        }
        return total;
    }

    /** Whether a pinned view, once resumed, would start from checkpoint {@code c} (the newest at or before its instant). */
    private boolean neededByPin(Checkpoint c, List<Checkpoint> all) {
        for (Pin p : pinned.values()) {
            Checkpoint base = null;
            for (Checkpoint x : all) if (x.timeNs() <= p.atNs()) base = x;
            if (base != null && base.name().equals(c.name())) return true;
        }
        return false;
    }

    private long dropRecords(VolumeRecord v, long beforeNs) {
        if (beforeNs <= 0) return 0;
        long total = 0;
        byte[] from = Keys.inVolume(v.id(), Keys.JOURNAL), to = Keys.journal(v.id(), beforeNs, 0);
        while (true) {
            int n = kv.write(w -> {
                List<KvEntry> old = w.scan(from, to, PAGE);
                for (KvEntry e : old) w.delete(e.key());
                return old.size();
            });
            total += n;
            if (n < PAGE) return total;
        }
    }

    static String show(long ns) {
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L)).toString();
    }
}
