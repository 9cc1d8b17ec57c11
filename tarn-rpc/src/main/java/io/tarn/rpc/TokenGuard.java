package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenAdmin;
import io.tarn.api.auth.TokenSpec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.System.Logger.Level.WARNING;

/**
 * The {@link MetaService} one authenticated connection sees: what its access token allows (ADR 0100).
 * Before every call the token is looked up again (an in-memory read), so a revoked or expired token
 * fails on its next call, open sessions included. A volume token reaches its own volume only, through
 * sessions of that volume; a read-only token gets EROFS for every mutation; management of volumes and
 * tokens needs an admin token (EPERM otherwise). Unless the token trusts client uids, every caller
 * becomes the token's uid and gid before the engine checks permissions, as NFS root_squash does.
 */
final class TokenGuard implements MetaService, TokenAdmin {
    private static final System.Logger LOG = System.getLogger(TokenGuard.class.getName());
    private static final int O_ACCMODE = 3, O_RDONLY = 0, O_TRUNC = 0x200;

    private final MetaService svc;
    private final AccessTokens tokens;
    private final String id, peer;
    /** Sessions seen through any guarded connection, by volume name: views live only in the engine's memory. */
    private final Map<Long, String> knownSessions;
    private final Map<Long, String> mySessions = new ConcurrentHashMap<>();
    private final AtomicBoolean refusalLogged = new AtomicBoolean();

    TokenGuard(MetaService svc, AccessTokens tokens, AccessToken token, String peer, Map<Long, String> knownSessions) {
        this.svc = svc;
        this.tokens = tokens;
        this.id = token.id();
        this.peer = peer;
        this.knownSessions = knownSessions;
    }

    /** The token as it stands now; EACCES once it is revoked or expired, logged once per connection. */
    private AccessToken token() {
        AccessToken t = tokens.current(id);
        String why = t == null ? "was deleted" : t.revoked() ? "was revoked" : t.expiredAt(tokens.nowNs()) ? "has expired" : null;
        if (why == null) return t;
        if (refusalLogged.compareAndSet(false, true))
            LOG.log(WARNING, "refusing calls from {0}: access token {1} {2}", peer, id, why);
        throw FsException.of(Errno.EACCES, "access token %s %s", id, why);
    }

    private AccessToken admin(String what) {
        AccessToken t = token();
        if (!t.admin()) throw FsException.of(Errno.EPERM, "access token %s is for volume %s; %s needs an admin token", id, t.volume(), what);
        return t;
    }

    private AccessToken forVolume(String volume) {
        AccessToken t = token();
        if (!t.admin() && !t.volume().equals(volume))
            throw FsException.of(Errno.EPERM, "access token %s is for volume %s, not %s", id, t.volume(), volume);
        return t;
    }

    private AccessToken forSession(long session) {
        AccessToken t = token();
        if (t.admin()) return t;
        String v = mySessions.get(session);
        if (v == null) {
            v = knownSessions.get(session);
            if (v == null) v = tokens.sessionVolume(session);
            if (v == null) throw FsException.of(Errno.ESTALE, "session %d is not open", session);
            mySessions.put(session, v);
        }
        if (!v.equals(t.volume()))
            throw FsException.of(Errno.EPERM, "access token %s is for volume %s, not %s", id, t.volume(), v);
        return t;
    }

    private Ctx read(Ctx ctx) {
        return squash(forSession(ctx.session()), ctx);
    }

    private Ctx write(Ctx ctx) {
        AccessToken t = forSession(ctx.session());
        if (t.readOnly()) throw FsException.of(Errno.EROFS, "access token %s is read-only", id);
        return squash(t, ctx);
    }

    private static Ctx squash(AccessToken t, Ctx ctx) {
        if (t.trustUids()) return ctx;
        int pid = ctx.caller() == null ? 0 : ctx.caller().pid();
        return new Ctx(ctx.session(), ctx.requestId(), new Caller(t.uid(), t.gid(), new int[0], pid));
    }

    private SessionInfo remember(SessionInfo s) {
        knownSessions.put(s.session(), s.volume().name());
        mySessions.put(s.session(), s.volume().name());
        return s;
    }

    // ---- volumes and sessions -----------------------------------------------------------------

    @Override
    public VolumeInfo createVolume(VolumeSpec spec) {
        admin("creating a volume");
        return svc.createVolume(spec);
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        AccessToken t = token();
        List<VolumeInfo> all = svc.listVolumes();
        return t.admin() ? all : all.stream().filter(v -> v.name().equals(t.volume())).toList();
    }

    @Override
    public VolumeInfo volume(String name) {
        forVolume(name);
        return svc.volume(name);
    }

    @Override
    public void deleteVolume(String name) {
        admin("deleting a volume");
        svc.deleteVolume(name);
    }

    /** Where every client of a volume sends its blocks: an admin's decision, like retention. */
    @Override
    public VolumeInfo setVolumeProxy(String name, String proxy) {
        admin("changing a volume's proxy group");
        return svc.setVolumeProxy(name, proxy);
    }

    @Override
    public VolumeInfo setRetention(String name, long retentionSeconds) {
        admin("changing retention");
        return svc.setRetention(name, retentionSeconds);
    }

    /** Key rotation changes the volume: a read-write token of the volume may do it (its holder can write anyway). */
    @Override
    public VolumeInfo addVolumeKey(String name, VolumeEncryption.KeyGeneration key) {
        AccessToken t = forVolume(name);
        if (t.readOnly()) throw FsException.of(Errno.EROFS, "access token %s is read-only", id);
        return svc.addVolumeKey(name, key);
    }

    /**
     * A quota is the operator's limit on a volume's users: a volume token (read-write or not) must not
     * raise its own, so only an admin token that may write sets one.
     */
    @Override
    public StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        AccessToken t = admin("changing a quota");
        if (t.readOnly()) throw FsException.of(Errno.EROFS, "access token %s is read-only", id);
        return svc.setVolumeQuota(name, quotaBytes, quotaInodes);
    }

    @Override
    public StatFs volumeQuota(String name) {
        forVolume(name);
        return svc.volumeQuota(name);
    }

    @Override
    public VolumeUsage volumeUsage(String name) {
        forVolume(name);
        return svc.volumeUsage(name);
    }

    // GC and fsck (ADR 0081): a volume's token may read what GC needs of its volume; making the server
    // forget garbage records is an operator's act.

    @Override
    public long gcHorizon(String volume) {
        forVolume(volume);
        return svc.gcHorizon(volume);
    }

    @Override
    public List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        forVolume(volume);
        return svc.garbage(volume, beforeNs, after, limit);
    }

    @Override
    public void forgetGarbage(String volume, List<GarbageBlock> done) {
        admin("garbage collection");
        svc.forgetGarbage(volume, done);
    }

    @Override
    public List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        forVolume(volume);
        return svc.liveBlocks(volume, after, limit);
    }

    @Override
    public GcClients gcClients(String volume) {
        forVolume(volume);
        return svc.gcClients(volume);
    }

    @Override
    public SessionInfo openSession(String volume, String clientName) {
        forVolume(volume);
        return remember(svc.openSession(volume, clientName));
    }

    @Override
    public SessionInfo openSession(String volume, String clientName, long atEpochNs) {
        forVolume(volume);
        return remember(svc.openSession(volume, clientName, atEpochNs));
    }

    @Override
    public void heartbeat(long session) {
        forSession(session);
        svc.heartbeat(session);
    }

    @Override
    public void closeSession(long session) {
        forSession(session);
        svc.closeSession(session);
        knownSessions.remove(session);
        mySessions.remove(session);
    }

    // ---- namespace ----------------------------------------------------------------------------

    @Override
    public Attr lookup(Ctx ctx, long parent, String name) {
        return svc.lookup(read(ctx), parent, name);
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        return svc.getAttr(read(ctx), ino);
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr changes) {
        return svc.setAttr(write(ctx), ino, changes);
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        return svc.mknod(write(ctx), parent, name, mode, rdev);
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        return svc.create(write(ctx), parent, name, mode, openFlags);
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        return svc.mkdir(write(ctx), parent, name, mode);
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        return svc.symlink(write(ctx), parent, name, target);
    }

    @Override
    public String readlink(Ctx ctx, long ino) {
        return svc.readlink(read(ctx), ino);
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        return svc.link(write(ctx), ino, newParent, newName);
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        svc.unlink(write(ctx), parent, name);
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        svc.rmdir(write(ctx), parent, name);
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        svc.rename(write(ctx), parent, name, newParent, newName, flags);
    }

    @Override
    public DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        return svc.readDir(read(ctx), ino, after, limit, plus);
    }

    @Override
    public void access(Ctx ctx, long ino, int mask) {
        svc.access(read(ctx), ino, mask);
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        boolean writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
        return svc.open(writes ? write(ctx) : read(ctx), ino, flags);
    }

    @Override
    public void release(Ctx ctx, long ino) {
        svc.release(read(ctx), ino);
    }

    @Override
    public StatFs statFs(Ctx ctx) {
        return svc.statFs(read(ctx));
    }

    // ---- data ---------------------------------------------------------------------------------

    @Override
    public List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count) {
        return svc.blocks(read(ctx), ino, fromIndex, count);
    }

    @Override
    public Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        return svc.commitBlocks(write(ctx), ino, blocks, minSize, mtimeNs);
    }

    @Override
    public Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count) {
        return svc.punchBlocks(write(ctx), ino, fromIndex, count);
    }

    @Override
    public long reserveBlockIds(Ctx ctx, int count) {
        return svc.reserveBlockIds(write(ctx), count);
    }

    // ---- extended attributes ------------------------------------------------------------------

    @Override
    public byte[] getXattr(Ctx ctx, long ino, String name) {
        return svc.getXattr(read(ctx), ino, name);
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        svc.setXattr(write(ctx), ino, name, value, flags);
    }

    @Override
    public List<String> listXattr(Ctx ctx, long ino) {
        return svc.listXattr(read(ctx), ino);
    }

    @Override
    public boolean[] xattrHolders(Ctx ctx, long[] inos) {
        return svc.xattrHolders(read(ctx), inos);
    }

    /** The feed of a session's own volume, like any read through that session (ADR 0120). */
    @Override
    public io.tarn.api.ChangeBatch changes(long session, long feed, long cursor, int max, int waitMillis) {
        forSession(session);
        return svc.changes(session, feed, cursor, max, waitMillis);
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        svc.removeXattr(write(ctx), ino, name);
    }

    // ---- locks --------------------------------------------------------------------------------
    // Any token of the volume may lock: the kernel lets only a descriptor open for writing take a
    // write lock, and a read-only token cannot open for writing.

    @Override
    public io.tarn.api.LockSpec testLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock) {
        return svc.testLock(read(ctx), ino, lock);
    }

    @Override
    public int setLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock, long waitId, int waitMillis) {
        return svc.setLock(read(ctx), ino, lock, waitId, waitMillis);
    }

    @Override
    public boolean cancelLockWait(Ctx ctx, long waitId) {
        return svc.cancelLockWait(read(ctx), waitId);
    }

    @Override
    public void releaseLocks(Ctx ctx, long ino, long owner) {
        svc.releaseLocks(read(ctx), ino, owner);
    }

    @Override
    public int reclaimLocks(Ctx ctx, List<io.tarn.api.LockClaim> held) {
        return svc.reclaimLocks(read(ctx), held);
    }

    // ---- tokens -------------------------------------------------------------------------------

    @Override
    public IssuedToken createToken(TokenSpec spec) {
        admin("issuing tokens");
        return tokens.createToken(spec);
    }

    @Override
    public List<AccessToken> listTokens(String volume) {
        admin("listing tokens");
        return tokens.listTokens(volume);
    }

    @Override
    public AccessToken revokeToken(String tokenId) {
        admin("revoking tokens");
        return tokens.revokeToken(tokenId);
    }

    /** A client-side hook: the guard lives in the server, which never restarts under it. */
    @Override
    public void onServerRestart(Runnable listener) {
    }

    /** The connection closes; the engine's own service is not this guard's to close. */
    @Override
    public void close() {
    }
}
