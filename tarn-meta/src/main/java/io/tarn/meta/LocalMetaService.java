package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Change;
import io.tarn.api.ChangeBatch;
import io.tarn.api.Ctx;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.LockClaim;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;
import io.tarn.api.kv.KvCheckpoints;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * {@link MetaService} over a {@link KvStore}: every call is one transaction. Owns the store:
 * {@link #close} closes it. Choices the interface leaves open:
 * <ul>
 * <li>A mutation with a request id records its outcome (result or errno) in its own transaction; a
 *     repeat within the session returns it without re-applying. Ids must grow within a session:
 *     heartbeats keep the newest {@link #KEPT_REQUESTS} by id.</li>
 * <li>Sessions expire {@code sessionTimeout} after their last heartbeat (other calls do not count),
 *     measured from this service's start at the earliest; expiry releases their opens. Calls on an
 *     unknown or expired session fail with ESTALE. Sweeps piggyback on openSession/heartbeat;
 *     {@link #expireSessions} runs one now.</li>
 * <li>readDir lists stored names only, without "." and ".."; lookup resolves "." and "..".</li>
 * <li>release without a matching open of the session: EBADF. A new volume's root is 0755 root:root.</li>
 * </ul>
 */
public final class LocalMetaService implements MetaService {
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(60);
    /** Request outcomes kept per session after a heartbeat prunes them. */
    public static final int KEPT_REQUESTS = 1024;
    private static final int PURGE_BATCH = 10_000;
    private static final System.Logger LOG = System.getLogger(LocalMetaService.class.getName());

    private final KvStore kv;
    private final InstantSource clock;
    private final long timeoutNs;
    private final long startedNs;
    private final InodeNumbers inodeNumbers;
    private final Journal journal = new Journal();
    private final OpenTable opens = new OpenTable();
    private final LockTable locks = new LockTable(this::sessionAlive);
    /** The longest one setLock call waits before answering LOCK_WAITING; well inside any RPC deadline. */
    static final int MAX_LOCK_WAIT_MILLIS = 10_000;
    private final ConcurrentHashMap<Long, Long> sessionVolumes = new ConcurrentHashMap<>();
    /** Volume records change only by setRetention, setVolumeProxy and addVolumeKey, which update this cache; a deleted volume takes its sessions along. */
    private final ConcurrentHashMap<Long, VolumeRecord> volumes = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepNs = new AtomicLong(Long.MIN_VALUE);
    /** Time-travel views and the checkpoints they start from (ADR 0080). */
    private final TimeTravel history;
    private final GarbageLedger garbage;
    /** What each commit changed, for the other clients of its volume (ADR 0120). */
    private final ChangeFeed feed = new ChangeFeed(ChangeFeed.DEFAULT_CAPACITY);
    private volatile long checkpointIntervalNs = DEFAULT_CHECKPOINT_INTERVAL.toNanos();
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofHours(1);

    public LocalMetaService(KvStore kv) {
        this(kv, Clock.systemUTC());
    }

    public LocalMetaService(KvStore kv, InstantSource clock) {
        this(kv, clock, DEFAULT_SESSION_TIMEOUT);
    }

    public LocalMetaService(KvStore kv, InstantSource clock, Duration sessionTimeout) {
        this(kv, clock, sessionTimeout, null);
    }

    /**
     * With {@code checkpoints} (null: none) the service takes a checkpoint of the store every
     * {@link #setCheckpointInterval interval} while some volume keeps history, so a time-travel view
     * replays a bounded part of the journal.
     */
    public LocalMetaService(KvStore kv, InstantSource clock, Duration sessionTimeout, KvCheckpoints checkpoints) {
        this.kv = kv;
        this.clock = clock;
        this.history = new TimeTravel(kv, checkpoints, this::now);
        this.garbage = new GarbageLedger(kv, history, this::now);
        this.timeoutNs = sessionTimeout.toNanos();
        this.startedNs = now();
        this.inodeNumbers = new InodeNumbers(kv);
        // Open counts lived in the previous server's memory: sessions from then are treated as holding anything.
        kv.read(Sessions::all).forEach(e -> opens.bootSession(e.id(), e.record().volume()));
        // Locks lived in the previous server's memory too: its sessions must reclaim theirs first (ADR 0110).
        kv.read(Sessions::all).forEach(e -> locks.bootSession(e.id(), e.record().volume()));
        for (VolumeRecord v : kv.read(Volumes::list))
            if (kv.write(w -> Quotas.recountIfOld(w, v.id())))
                LOG.log(System.Logger.Level.INFO, "volume {0}: usage counted again from its block maps (ADR 0133)", v.name());
    }

    private long now() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    // ---- volumes -------------------------------------------------------------------------------

    @Override
    public VolumeInfo createVolume(VolumeSpec spec) {
        if (spec == null) throw FsException.of(Errno.EINVAL, "no volume spec given");
        return kv.write(w -> Volumes.create(w, spec, now())).info();
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        return kv.read(r -> Volumes.list(r).stream().map(VolumeRecord::info).toList());
    }

    @Override
    public VolumeInfo volume(String name) {
        return kv.read(r -> Volumes.byName(r, name)).info();
    }

    @Override
    public void deleteVolume(String name) {
        long id = kv.write(w -> Volumes.retire(w, name));
        inodeNumbers.forget(id);
        volumes.remove(id);
        feed.forget(id);
        sessionVolumes.values().removeIf(v -> v == id);
        purge(id);
    }

    /** Removes a retired volume's keys in transactions of bounded size, so writers are not stalled. */
    private void purge(long vol) {
        while (kv.write(w -> Volumes.purge(w, vol, PURGE_BATCH)) == PURGE_BATCH) {
            // next batch
        }
    }

    /** Finishes purges that a crash cut short; runs with the session sweep. */
    public void purgeRetiredVolumes() {
        kv.read(Volumes::retired).forEach(this::purge);
    }

    // ---- sessions ------------------------------------------------------------------------------

    @Override
    public SessionInfo openSession(String volume, String clientName) {
        maybeSweep();
        return kv.write(w -> {
            VolumeRecord v = Volumes.byName(w, volume);
            return new SessionInfo(Sessions.open(w, v, clientName, now()), v.info());
        });
    }

    @Override
    public SessionInfo openSession(String volume, String clientName, long atEpochNs) {
        maybeSweep();
        return history.open(volume, atEpochNs);
    }

    @Override
    public void heartbeat(long session) {
        if (history.heartbeat(session)) return;
        boolean alive = kv.write(w -> {
            SessionRecord s = Sessions.get(w, session);
            if (s == null) return false;
            long now = now();
            if (expired(s, now)) {
                Sessions.end(w, session, s, now, journal, opens);
                return false;
            }
            w.put(Keys.session(session), s.withHeartbeat(now).encode());
            Sessions.pruneRequests(w, session, KEPT_REQUESTS);
            return true;
        });
        if (!alive) {
            sessionVolumes.remove(session);
            locks.endSession(session);
            throw FsException.of(Errno.ESTALE, "session %d has expired", session);
        }
        maybeSweep();
    }

    @Override
    public void closeSession(long session) {
        if (history.close(session)) {
            locks.endSession(session);
            return;
        }
        kv.write(w -> {
            SessionRecord s = Sessions.get(w, session);
            if (s != null) Sessions.end(w, session, s, now(), journal, opens);
            return null;
        });
        sessionVolumes.remove(session);
        locks.endSession(session);
    }

    /** Ends every session whose last heartbeat is older than the timeout; returns how many. */
    public int expireSessions() {
        List<Long> ended = kv.write(w -> {
            long now = now();
            List<Long> ids = new ArrayList<>();
            for (Sessions.Entry s : Sessions.all(w)) {
                if (expired(s.record(), now)) {
                    Sessions.end(w, s.id(), s.record(), now, journal, opens);
                    ids.add(s.id());
                }
            }
            return ids;
        });
        ended.forEach(sessionVolumes::remove);
        ended.forEach(locks::endSession);
        history.expire(timeoutNs);
        if (!ended.isEmpty()) LOG.log(System.Logger.Level.INFO, "expired {0} session(s)", ended.size());
        return ended.size();
    }

    /**
     * Deletes journal records older than each volume's retention window, a bounded batch per
     * transaction so writers are not stalled; returns how many. Runs with the session sweep.
     */
    public long pruneHistory() {
        return history.prune();
    }

    /**
     * A session expires after a timeout without heartbeats, counted from this service's start at the
     * earliest: clients cannot heartbeat a server that is down, so a restart gives every session a
     * full timeout to come back.
     */
    private boolean expired(SessionRecord s, long now) {
        return now - Math.max(s.heartbeatNs(), startedNs) > timeoutNs;
    }

    /** Sweeps expired sessions, old history and deleted volumes at most twice per timeout, piggybacking on session traffic. */
    private void maybeSweep() {
        long now = now(), last = lastSweepNs.get();
        if (last != Long.MIN_VALUE && now - last < timeoutNs / 2) return;
        if (lastSweepNs.compareAndSet(last, now)) {
            expireSessions();
            try {
                history.maybeCheckpoint(checkpointIntervalNs);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "taking a checkpoint failed: " + e.getMessage(), e);
            }
            pruneHistory();
            purgeRetiredVolumes();
        }
    }

    // ---- transactions --------------------------------------------------------------------------

    private SessionRecord liveSession(KvReader r, long session, long now) {
        SessionRecord s = Sessions.get(r, session);
        if (s == null || expired(s, now))
            throw FsException.of(Errno.ESTALE, "session %d is unknown or expired", session);
        return s;
    }

    private VolumeRecord volumeOf(KvReader r, SessionRecord s, long session) {
        VolumeRecord v = volumes.get(s.volume());
        if (v != null) return v;
        v = Volumes.byId(r, s.volume());
        if (v == null) throw FsException.of(Errno.ESTALE, "the volume of session %d is gone", session);
        volumes.put(v.id(), v);
        return v;
    }

    private static void checkCtx(Ctx ctx) {
        if (ctx == null || ctx.caller() == null) throw FsException.of(Errno.EINVAL, "a call needs a context and a caller");
    }

    private <T> T query(Ctx ctx, Function<VolumeTx, T> op) {
        checkCtx(ctx);
        TimeTravel.View view = history.view(ctx.session());
        if (view != null) return view.store().read(r -> op.apply(new VolumeTx(r, view.volume(), ctx.session(), ctx.caller(), now())));
        return kv.read(r -> {
            long now = now();
            SessionRecord s = liveSession(r, ctx.session(), now);
            return op.apply(new VolumeTx(r, volumeOf(r, s, ctx.session()), ctx.session(), ctx.caller(), now).withOpens(opens, null));
        });
    }

    /** Runs one mutation; with a request id, applies it at most once and replays its outcome. */
    @SuppressWarnings("unchecked")
    private <T> T mutate(Ctx ctx, String op, Function<VolumeTx, T> work) {
        checkCtx(ctx);
        readOnlyCheck(ctx);
        OpenTable.Changes changes = opens.changes();
        Outcome outcome;
        long[] volume = {0};
        @SuppressWarnings("unchecked") java.util.Set<Change>[] changed = new java.util.Set[1];
        try {
            outcome = kv.write(w -> {
                changes.undo(); // an engine may run the work again
                changed[0] = null;
                long now = now();
                SessionRecord s = liveSession(w, ctx.session(), now);
                VolumeRecord v = volumeOf(w, s, ctx.session());
                byte[] requestKey = ctx.requestId() == 0 ? null : Keys.request(ctx.session(), ctx.requestId());
                if (requestKey != null) {
                    byte[] prior = w.get(requestKey);
                    if (prior != null) return Outcome.decode(prior);
                }
                StagedWrites staged = new StagedWrites(w);
                VolumeTx t = new VolumeTx(staged, v, ctx.session(), ctx.caller(), now).withOpens(opens, changes);
                Outcome result;
                try {
                    result = Outcome.of(work.apply(t));
                    t.flushUsage();
                } catch (FsException e) {
                    changes.undo();
                    if (requestKey == null) throw e;
                    result = new Outcome.Failed(e.errno(), rawMessage(e));
                    w.put(requestKey, result.encode());
                    return result;
                }
                journal.append(w, v, now, ctx.session(), op, staged);
                if (feed.followed(v.id())) {
                    volume[0] = v.id();
                    changed[0] = ChangedKeys.of(staged, v.id());
                }
                staged.applyTo(w);
                if (requestKey != null) w.put(requestKey, result.encode());
                return result;
            });
        } catch (RuntimeException e) {
            changes.undo();
            throw e;
        }
        // After the commit and before the reply: a client told "done" can count on the others being told.
        if (changed[0] != null) feed.publish(volume[0], ctx.session(), changed[0]);
        return (T) outcome.replay();
    }

    private static String rawMessage(FsException e) {
        String m = e.getMessage(), prefix = e.errno().name() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private void readOnlyCheck(Ctx ctx) {
        if (history.isView(ctx.session()))
            throw FsException.of(Errno.EROFS, "session %d is a read-only time-travel view", ctx.session());
    }

    private long volumeIdOf(Ctx ctx) {
        checkCtx(ctx);
        readOnlyCheck(ctx);
        long session = ctx.session();
        Long vol = sessionVolumes.get(session);
        if (vol != null) return vol;
        long id = kv.read(r -> liveSession(r, session, now()).volume());
        sessionVolumes.put(session, id);
        return id;
    }

    // ---- namespace -----------------------------------------------------------------------------

    @Override
    public Attr lookup(Ctx ctx, long parent, String name) {
        return query(ctx, t -> Namespace.lookup(t, parent, name));
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        return query(ctx, t -> t.attr(ino));
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr changes) {
        if (changes == null) throw FsException.of(Errno.EINVAL, "no attribute changes given");
        return mutate(ctx, "setattr", t -> Attributes.setAttr(t, ino, changes));
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        int umask = MetaService.umaskOf(mode);
        int m = Namespace.checkMknodType(MetaService.modeOf(mode), Permissions.isRoot(ctx.caller()));
        long ino = inodeNumbers.next(volumeIdOf(ctx));
        return mutate(ctx, "mknod", t -> Namespace.makeNode(t, parent, name, m, rdev, null, ino, umask));
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        int umask = MetaService.umaskOf(mode);
        long ino = inodeNumbers.next(volumeIdOf(ctx));
        return mutate(ctx, "create", t -> {
            Attr a = Namespace.makeNode(t, parent, name, Attr.S_IFREG | (mode & 07777), 0, null, ino, umask);
            Sessions.addOpen(t, ino);
            return a;
        });
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        int umask = MetaService.umaskOf(mode);
        long ino = inodeNumbers.next(volumeIdOf(ctx));
        return mutate(ctx, "mkdir", t -> Namespace.makeNode(t, parent, name, Attr.S_IFDIR | (mode & 07777), 0, null, ino, umask));
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        Names.checkTarget(target);
        long ino = inodeNumbers.next(volumeIdOf(ctx));
        return mutate(ctx, "symlink", t -> Namespace.makeNode(t, parent, name, Attr.S_IFLNK | 0777, 0, target, ino, -1));
    }

    @Override
    public String readlink(Ctx ctx, long ino) {
        return query(ctx, t -> Namespace.readlink(t, ino));
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        return mutate(ctx, "link", t -> Namespace.link(t, ino, newParent, newName));
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        mutate(ctx, "unlink", t -> {
            Namespace.unlink(t, parent, name);
            return null;
        });
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        mutate(ctx, "rmdir", t -> {
            Namespace.rmdir(t, parent, name);
            return null;
        });
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        mutate(ctx, "rename", t -> {
            Renames.rename(t, parent, name, newParent, newName, flags);
            return null;
        });
    }

    @Override
    public DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        return query(ctx, t -> Namespace.readDir(t, ino, after, limit, plus));
    }

    @Override
    public void access(Ctx ctx, long ino, int mask) {
        if ((mask & W_OK) != 0 && ctx != null) readOnlyCheck(ctx);
        query(ctx, t -> {
            Attributes.access(t, ino, mask);
            return null;
        });
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        if (ctx != null && history.isView(ctx.session())) {
            if ((flags & Permissions.OpenFlags.O_ACCMODE) != 0 || (flags & Permissions.OpenFlags.O_TRUNC) != 0)
                readOnlyCheck(ctx);
            return query(ctx, t -> Attributes.open(t, ino, flags).attr(ino));
        }
        // An open that truncates nothing changes nothing durable: a transaction that only reads, plus a
        // count in memory. Only O_TRUNC of a non-empty file takes the logged, synced path.
        Attr fast = opening(ctx, t -> {
            InodeRecord cur = t.inodeOrNull(ino);
            if ((flags & Permissions.OpenFlags.O_TRUNC) != 0 && cur != null && cur.isFile() && cur.size() > 0) return null;
            if (!t.openChanges.firstTime(ctx.session(), ctx.requestId())) return t.inode(ino).attr(ino);
            InodeRecord r = Attributes.open(t, ino, flags);
            Sessions.addOpen(t, ino);
            return r.attr(ino);
        });
        if (fast != null) return fast;
        return mutate(ctx, "open", t -> {
            InodeRecord r = Attributes.open(t, ino, flags);
            t.openChanges.firstTime(ctx.session(), ctx.requestId()); // a resend finds the file empty and comes the fast way
            Sessions.addOpen(t, ino);
            return r.attr(ino);
        });
    }

    @Override
    public void release(Ctx ctx, long ino) {
        if (ctx != null && history.isView(ctx.session())) return; // a view holds nothing open
        boolean durable = opening(ctx, t -> {
            if (Sessions.releaseWrites(t, ino)) return true;
            if (t.openChanges.firstTime(ctx.session(), ctx.requestId())) Sessions.release(t, ino);
            return false;
        });
        if (durable) mutate(ctx, "release", t -> {
            Sessions.release(t, ino);
            return null;
        });
    }

    @Override
    public StatFs statFs(Ctx ctx) {
        return query(ctx, Quotas::statFs);
    }

    /**
     * Runs an open or a release that persists nothing in the common case: a write transaction (so it is
     * ordered with unlinks, which look at the opens) that changes only the in-memory count. A transaction
     * that writes nothing costs no WAL sync of its own.
     */
    private <T> T opening(Ctx ctx, Function<VolumeTx, T> work) {
        checkCtx(ctx);
        OpenTable.Changes changes = opens.changes();
        try {
            return kv.write(w -> {
                changes.undo();
                long now = now();
                SessionRecord s = liveSession(w, ctx.session(), now);
                VolumeTx t = new VolumeTx(w, volumeOf(w, s, ctx.session()), ctx.session(), ctx.caller(), now).withOpens(opens, changes);
                return work.apply(t);
            });
        } catch (RuntimeException e) {
            changes.undo();
            throw e;
        }
    }

    /** Inodes open in this server's memory (for tests and diagnostics). */
    int openInodes() {
        return opens.size();
    }

    // ---- data ----------------------------------------------------------------------------------

    @Override
    public List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count) {
        return query(ctx, t -> BlockMaps.blocks(t, ino, fromIndex, count));
    }

    @Override
    public Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        if (blocks == null) throw FsException.of(Errno.EINVAL, "no block list given");
        return mutate(ctx, "commit", t -> BlockMaps.commit(t, ino, blocks, minSize, mtimeNs));
    }

    @Override
    public Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count) {
        return mutate(ctx, "punch", t -> BlockMaps.punch(t, ino, fromIndex, count));
    }

    @Override
    public long reserveBlockIds(Ctx ctx, int count) {
        return mutate(ctx, "reserve", t -> BlockMaps.reserve(t, count));
    }

    // ---- extended attributes -------------------------------------------------------------------

    @Override
    public byte[] getXattr(Ctx ctx, long ino, String name) {
        return query(ctx, t -> Xattrs.get(t, ino, name));
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        mutate(ctx, "setxattr", t -> {
            Xattrs.set(t, ino, name, value, flags);
            return null;
        });
    }

    @Override
    public List<String> listXattr(Ctx ctx, long ino) {
        return query(ctx, t -> Xattrs.list(t, ino));
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        mutate(ctx, "removexattr", t -> {
            Xattrs.remove(t, ino, name);
            return null;
        });
    }

    @Override
    public boolean[] xattrHolders(Ctx ctx, long[] inos) {
        if (inos == null) throw FsException.of(Errno.EINVAL, "no inode list given");
        return query(ctx, t -> {
            boolean[] out = new boolean[inos.length];
            for (int i = 0; i < inos.length; i++) {
                byte[] prefix = Keys.xattrs(t.vol, inos[i]);
                out[i] = !t.kv.scan(prefix, Keys.end(prefix), 1).isEmpty();
            }
            return out;
        });
    }

    // ---- change feed (ADR 0120) ----------------------------------------------------------------

    @Override
    public ChangeBatch changes(long session, long feedId, long cursor, int max, int waitMillis) {
        if (history.isView(session)) throw FsException.of(Errno.ENOSYS, "session %d is a time-travel view: it never changes", session);
        Long vol = sessionVolumes.get(session);
        if (vol == null) {
            vol = kv.read(r -> liveSession(r, session, now()).volume());
            sessionVolumes.put(session, vol);
        }
        long wait = Math.min(ChangeFeed.MAX_WAIT_NANOS, Math.max(0, waitMillis) * 1_000_000L);
        return feed.poll(vol, session, feedId, cursor, Math.min(Math.max(1, max), 65_536), wait);
    }

    // ---- history, checkpoints, garbage (ADR 0080) -----------------------------------------------

    @Override
    public VolumeInfo setRetention(String name, long retentionSeconds) {
        VolumeRecord after = kv.write(w -> Volumes.setRetention(w, name, retentionSeconds, now()));
        volumes.put(after.id(), after);
        return after.info();
    }

    @Override
    public VolumeInfo setVolumeProxy(String name, String proxy) {
        VolumeRecord after = kv.write(w -> Volumes.setProxy(w, name, proxy));
        volumes.put(after.id(), after);
        return after.info();
    }

    @Override
    public VolumeInfo addVolumeKey(String name, io.tarn.api.VolumeEncryption.KeyGeneration key) {
        VolumeRecord after = kv.write(w -> Volumes.addKey(w, name, key));
        volumes.put(after.id(), after);
        return after.info();
    }

    @Override
    public StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        if (quotaBytes < -1 || quotaInodes < -1)
            throw FsException.of(Errno.EINVAL, "a quota is a number of bytes or inodes, 0 for none (-1 keeps it)");
        return kv.write(w -> Quotas.set(w, name, quotaBytes, quotaInodes, now()));
    }

    @Override
    public StatFs volumeQuota(String name) {
        return kv.read(r -> Quotas.of(r, name, now()));
    }

    @Override
    public VolumeUsage volumeUsage(String name) {
        return garbage.usage(name);
    }

    /** Takes a checkpoint now (the server also takes them periodically); returns its time in ns. */
    public long checkpoint() {
        return history.checkpoint();
    }

    /** How often the sweep takes a checkpoint while some volume keeps history. */
    public void setCheckpointInterval(Duration interval) {
        checkpointIntervalNs = interval.toNanos();
    }

    /** What garbage collection and fsck ask this metadata (the GC calls below serve it). */
    public GarbageLedger garbage() {
        return garbage;
    }

    // ---- locks ---------------------------------------------------------------------------------

    /**
     * Tells the lock table that no session from before this service started can come back (the
     * embedded server of a mount daemon, which died with its only client): no reclaim grace.
     */
    public void noLockReclaims() {
        locks.noReclaims();
    }

    private boolean sessionAlive(long session) {
        if (history.isView(session)) return true;
        SessionRecord s = kv.read(r -> Sessions.get(r, session));
        return s != null && !expired(s, now());
    }

    /** The volume of a live session (time-travel views included: locks do not change the volume). */
    private long lockVolume(Ctx ctx) {
        checkCtx(ctx);
        TimeTravel.View view = history.view(ctx.session());
        if (view != null) return view.volume().id();
        Long vol = sessionVolumes.get(ctx.session());
        if (vol != null && sessionAlive(ctx.session())) return vol;
        long id = kv.read(r -> liveSession(r, ctx.session(), now()).volume());
        sessionVolumes.put(ctx.session(), id);
        return id;
    }

    private static long waitNanos(int waitMillis) {
        return LockTable.millisToNanos(Math.min(waitMillis, MAX_LOCK_WAIT_MILLIS));
    }

    @Override
    public LockSpec testLock(Ctx ctx, long ino, LockSpec lock) {
        if (lock == null) throw FsException.of(Errno.EINVAL, "no lock given");
        long vol = lockVolume(ctx);
        return locks.test(vol, ino, ctx.session(), lock.checked(), waitNanos(MAX_LOCK_WAIT_MILLIS));
    }

    @Override
    public int setLock(Ctx ctx, long ino, LockSpec lock, long waitId, int waitMillis) {
        if (lock == null) throw FsException.of(Errno.EINVAL, "no lock given");
        long vol = lockVolume(ctx);
        maybeSweep();
        return locks.set(vol, ino, ctx.session(), lock.checked(), waitId, waitNanos(waitMillis));
    }

    @Override
    public boolean cancelLockWait(Ctx ctx, long waitId) {
        lockVolume(ctx);
        return locks.cancel(ctx.session(), waitId);
    }

    @Override
    public void releaseLocks(Ctx ctx, long ino, long owner) {
        long vol = lockVolume(ctx);
        locks.releaseOwner(vol, ino, ctx.session(), owner);
    }

    @Override
    public int reclaimLocks(Ctx ctx, List<LockClaim> held) {
        long vol = lockVolume(ctx);
        Map<Long, List<LockSpec>> claims = new LinkedHashMap<>();
        for (LockClaim c : held == null ? List.<LockClaim>of() : held) {
            if (c == null || c.lock() == null) throw FsException.of(Errno.EINVAL, "empty lock claim");
            claims.computeIfAbsent(c.ino(), x -> new ArrayList<>()).add(c.lock().checked());
        }
        int refused = locks.reclaim(vol, ctx.session(), claims);
        if (refused > 0) LOG.log(System.Logger.Level.WARNING, "session {0}: {1} reclaimed lock(s) conflicted and were refused", ctx.session(), refused);
        return refused;
    }

    /** The lock table, for tests in this package. */
    LockTable lockTable() {
        return locks;
    }

    @Override
    public long gcHorizon(String volume) {
        return garbage.horizon(volume);
    }

    @Override
    public List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        return garbage.garbage(volume, beforeNs, after, limit);
    }

    @Override
    public void forgetGarbage(String volume, List<GarbageBlock> done) {
        garbage.forget(volume, done);
    }

    @Override
    public List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        return garbage.liveBlocks(volume, after, limit);
    }

    @Override
    public GcClients gcClients(String volume) {
        return garbage.clients(volume);
    }

    @Override
    public void close() {
        feed.close();
        history.closeAll();
        kv.close();
    }
}
