package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.ChangeBatch;
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
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeUsage;
import io.tarn.api.VolumeSpec;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenAdmin;
import io.tarn.api.auth.TokenSpec;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Function;

/**
 * {@link MetaService} over the network: every call goes to an {@link RpcServer}. Calls from many
 * threads share one connection. A mutation without a request id gets one, kept across retries so
 * the server applies it at most once. While the server is away (a restart, a network blip) calls
 * wait and are resent, up to {@link RpcOptions#rideThrough()}; then they fail with ECONNREFUSED,
 * ETIMEDOUT or EIO and a message naming the server. Thread-safe.
 */
public final class RemoteMetaService implements MetaService, TokenAdmin {
    private final ServerLink link;
    private final String hostPort;
    private final InetSocketAddress addr;
    /** The change feed's long polls wait on a connection of their own, so they never take the read role from calls. */
    private ServerLink feedLink;
    private boolean closed;
    private final RpcOptions opts;
    private final SessionKeeper sessions;
    private final RequestIds requestIds = new RequestIds();
    private final List<Runnable> restartListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Resends of one call after lost connections before it fails; a restart costs one or two. */
    static final int MAX_LOSSES = 16;

    private RemoteMetaService(String hostPort, InetSocketAddress addr, RpcOptions opts) {
        this.opts = opts;
        this.hostPort = hostPort;
        this.addr = addr;
        this.sessions = new SessionKeeper(this, hostPort, opts.heartbeatInterval());
        this.link = new ServerLink(hostPort, addr, opts, epoch -> {
            sessions.revalidate();
            // Listeners make calls of their own: never on the thread that is re-establishing the link.
            for (Runnable r : restartListeners) Thread.ofVirtual().name("tarn-rpc-restart").start(r);
        });
        sessions.start();
    }

    /**
     * Connects to {@code host:port} (IPv6 as {@code [addr]:port}); fails within the connect timeout
     * with a one-line FsException (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, EINVAL for a bad address).
     */
    public static RemoteMetaService connect(String hostPort, RpcOptions opts) {
        return new RemoteMetaService(hostPort, parse(hostPort), opts);
    }

    public static RemoteMetaService connect(String hostPort) {
        return connect(hostPort, RpcOptions.DEFAULTS);
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
            throw FsException.of(Errno.EINVAL, "metadata server address must be HOST:PORT, not %s", hostPort);
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535)
            throw FsException.of(Errno.EINVAL, "metadata server port must be 1-65535 in %s", hostPort);
        return new InetSocketAddress(host, port);
    }

    /** The address this client talks to, as given. */
    public String server() {
        return link.server();
    }

    @Override
    public String toString() {
        return "RemoteMetaService[" + server() + "]";
    }

    /** What the server said this client's access token allows, or null (no token, or the server checks none). */
    public AccessToken grant() {
        return link.grant();
    }

    /** How often the connection was re-established after a loss, for operators and tests. */
    public long reconnects() {
        return link.reconnects();
    }

    // ---- the call loop ------------------------------------------------------------------------

    private <T> T call(Op op, WireOut request, Function<WireIn, T> decode) {
        return call(op, request, decode, null);
    }

    /**
     * Sends until a reply comes. {@code afterResend}, for calls without a request id, turns an error
     * that the call's own earlier delivery may have caused into the outcome (or rethrows).
     */
    private <T> T call(Op op, WireOut request, Function<WireIn, T> decode, Function<FsException, T> afterResend) {
        return call(link, op, request, decode, afterResend);
    }

    private <T> T call(ServerLink link, Op op, WireOut request, Function<WireIn, T> decode, Function<FsException, T> afterResend) {
        byte[] frame = request.frame();
        int length = request.length();
        long timeout = opts.callTimeout().toNanos();
        boolean maybeDelivered = false;
        int losses = 0;
        long firstLoss = 0;
        while (true) {
            ClientConnection c = link.await();
            byte[] reply;
            try {
                reply = c.call(frame, length, timeout, op.method());
            } catch (ClientConnection.Lost lost) {
                maybeDelivered |= lost.maybeDelivered;
                link.lost(c);
                if (Thread.currentThread().isInterrupted())
                    throw FsException.of(Errno.EINTR, "%s to metadata server %s interrupted", op.method(), server());
                // A server that keeps dying while this call is out may be dying of this call: stop resending it.
                if (losses++ == 0) firstLoss = System.nanoTime();
                else if (losses > MAX_LOSSES || System.nanoTime() - firstLoss > opts.rideThrough().toNanos())
                    throw FsException.of(Errno.EIO, "metadata server %s dropped the connection %d times during one %s call",
                            server(), losses, op.method());
                continue;
            }
            WireIn in = new WireIn(reply, Wire.RESPONSE_HEADER, reply.length - Wire.RESPONSE_HEADER);
            if (reply[8] != Wire.OK) {
                FsException e = CallDispatcher.decodeError(in);
                if (maybeDelivered && afterResend != null) return afterResend.apply(e);
                throw e;
            }
            try {
                T result = decode.apply(in);
                in.end();
                return result;
            } catch (FsException e) {
                throw FsException.of(Errno.EIO, "bad reply to %s from metadata server %s: %s", op.method(), server(), e.getMessage());
            }
        }
    }

    private static final Function<WireIn, Void> NOTHING = in -> null;

    private WireOut mutation(Op op, Ctx ctx) {
        Ctx stamped = ctx.requestId() != 0 ? ctx : ctx.withRequestId(requestIds.next());
        return WireOut.request(op).ctx(stamped);
    }

    private static WireOut read(Op op, Ctx ctx) {
        return WireOut.request(op).ctx(ctx);
    }

    // ---- volumes and sessions -----------------------------------------------------------------

    @Override
    public VolumeInfo createVolume(VolumeSpec spec) {
        return call(Op.CREATE_VOLUME, WireOut.request(Op.CREATE_VOLUME).volumeSpec(spec), WireIn::volumeInfo, e -> {
            if (e.errno() != Errno.EEXIST) throw e;
            VolumeInfo v = volume(spec.name());
            if (v.storeUri().equals(spec.storeUri()) && v.blockSize() == spec.blockSize()
                    && v.compression().equals(spec.compression()) && v.retentionSeconds() == spec.retentionSeconds()
                    && v.proxy().equals(spec.proxy()))
                return v;
            throw e;
        });
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        return call(Op.LIST_VOLUMES, WireOut.request(Op.LIST_VOLUMES), WireIn::volumeInfos);
    }

    @Override
    public VolumeInfo volume(String name) {
        return call(Op.VOLUME, WireOut.request(Op.VOLUME).str(name), WireIn::volumeInfo);
    }

    @Override
    public void deleteVolume(String name) {
        call(Op.DELETE_VOLUME, WireOut.request(Op.DELETE_VOLUME).str(name), NOTHING, e -> {
            if (e.errno() != Errno.ENOENT) throw e;
            return null;
        });
    }

    @Override
    public SessionInfo openSession(String volume, String clientName) {
        // A resent open may leave a second session behind; unused, it expires like any idle session.
        SessionInfo s = call(Op.OPEN_SESSION, WireOut.request(Op.OPEN_SESSION).str(volume).str(clientName), WireIn::sessionInfo);
        sessions.track(s.session());
        return s;
    }

    @Override
    public SessionInfo openSession(String volume, String clientName, long atEpochNs) {
        SessionInfo s = call(Op.OPEN_VIEW, WireOut.request(Op.OPEN_VIEW).str(volume).str(clientName).i64(atEpochNs), WireIn::sessionInfo);
        sessions.track(s.session());
        return s;
    }

    @Override
    public VolumeInfo setVolumeProxy(String name, String proxy) {
        return call(Op.SET_VOLUME_PROXY, WireOut.request(Op.SET_VOLUME_PROXY).str(name).str(proxy), WireIn::volumeInfo);
    }

    @Override
    public VolumeInfo setRetention(String name, long retentionSeconds) {
        return call(Op.SET_RETENTION, WireOut.request(Op.SET_RETENTION).str(name).i64(retentionSeconds), WireIn::volumeInfo);
    }

    @Override
    public VolumeInfo addVolumeKey(String name, io.tarn.api.VolumeEncryption.KeyGeneration key) {
        return call(Op.ADD_VOLUME_KEY, WireOut.request(Op.ADD_VOLUME_KEY).str(name).keyGeneration(key), WireIn::volumeInfo);
    }

    @Override
    public StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        return call(Op.SET_VOLUME_QUOTA, WireOut.request(Op.SET_VOLUME_QUOTA).str(name).i64(quotaBytes).i64(quotaInodes), WireIn::statFs);
    }

    @Override
    public StatFs volumeQuota(String name) {
        return call(Op.VOLUME_QUOTA, WireOut.request(Op.VOLUME_QUOTA).str(name), WireIn::statFs);
    }

    @Override
    public VolumeUsage volumeUsage(String name) {
        return call(Op.VOLUME_USAGE, WireOut.request(Op.VOLUME_USAGE).str(name), WireIn::volumeUsage);
    }

    // ---- garbage collection and fsck -----------------------------------------------------------

    @Override
    public long gcHorizon(String volume) {
        return call(Op.GC_HORIZON, WireOut.request(Op.GC_HORIZON).str(volume), WireIn::i64);
    }

    @Override
    public List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        WireOut req = WireOut.request(Op.GARBAGE).str(volume).i64(beforeNs).bool(after != null);
        if (after != null) req.garbageBlock(after);
        return call(Op.GARBAGE, req.i32(limit), WireIn::garbageBlocks);
    }

    @Override
    public void forgetGarbage(String volume, List<GarbageBlock> done) {
        call(Op.FORGET_GARBAGE, WireOut.request(Op.FORGET_GARBAGE).str(volume).garbageBlocks(done), NOTHING);
    }

    @Override
    public List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        WireOut req = WireOut.request(Op.LIVE_BLOCKS).str(volume).bool(after != null);
        if (after != null) req.liveBlock(after);
        return call(Op.LIVE_BLOCKS, req.i32(limit), WireIn::liveBlocks);
    }

    @Override
    public GcClients gcClients(String volume) {
        return call(Op.GC_CLIENTS, WireOut.request(Op.GC_CLIENTS).str(volume), WireIn::gcClients);
    }

    @Override
    public void heartbeat(long session) {
        call(Op.HEARTBEAT, WireOut.request(Op.HEARTBEAT).i64(session), NOTHING);
    }

    @Override
    public void closeSession(long session) {
        sessions.untrack(session);
        call(Op.CLOSE_SESSION, WireOut.request(Op.CLOSE_SESSION).i64(session), NOTHING, e -> {
            if (e.errno() != Errno.ESTALE && e.errno() != Errno.ENOENT) throw e;
            return null;
        });
    }

    // ---- namespace ----------------------------------------------------------------------------

    @Override
    public Attr lookup(Ctx ctx, long parent, String name) {
        return call(Op.LOOKUP, read(Op.LOOKUP, ctx).i64(parent).str(name), WireIn::attr);
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        return call(Op.GET_ATTR, read(Op.GET_ATTR, ctx).i64(ino), WireIn::attr);
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr changes) {
        return call(Op.SET_ATTR, mutation(Op.SET_ATTR, ctx).i64(ino).setAttr(changes), WireIn::attr);
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        return call(Op.MKNOD, mutation(Op.MKNOD, ctx).i64(parent).str(name).i32(mode).i32(rdev), WireIn::attr);
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        return call(Op.CREATE, mutation(Op.CREATE, ctx).i64(parent).str(name).i32(mode).i32(openFlags), WireIn::attr);
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        return call(Op.MKDIR, mutation(Op.MKDIR, ctx).i64(parent).str(name).i32(mode), WireIn::attr);
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        return call(Op.SYMLINK, mutation(Op.SYMLINK, ctx).i64(parent).str(name).str(target), WireIn::attr);
    }

    @Override
    public String readlink(Ctx ctx, long ino) {
        return call(Op.READLINK, read(Op.READLINK, ctx).i64(ino), WireIn::str);
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        return call(Op.LINK, mutation(Op.LINK, ctx).i64(ino).i64(newParent).str(newName), WireIn::attr);
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        call(Op.UNLINK, mutation(Op.UNLINK, ctx).i64(parent).str(name), NOTHING);
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        call(Op.RMDIR, mutation(Op.RMDIR, ctx).i64(parent).str(name), NOTHING);
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        call(Op.RENAME, mutation(Op.RENAME, ctx).i64(parent).str(name).i64(newParent).str(newName).i32(flags), NOTHING);
    }

    @Override
    public DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        return call(Op.READ_DIR, read(Op.READ_DIR, ctx).i64(ino).str(after).i32(limit).bool(plus), WireIn::dirPage);
    }

    @Override
    public void access(Ctx ctx, long ino, int mask) {
        call(Op.ACCESS, read(Op.ACCESS, ctx).i64(ino).i32(mask), NOTHING);
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        return call(Op.OPEN, mutation(Op.OPEN, ctx).i64(ino).i32(flags), WireIn::attr);
    }

    @Override
    public void release(Ctx ctx, long ino) {
        call(Op.RELEASE, mutation(Op.RELEASE, ctx).i64(ino), NOTHING);
    }

    @Override
    public StatFs statFs(Ctx ctx) {
        return call(Op.STAT_FS, read(Op.STAT_FS, ctx), WireIn::statFs);
    }

    // ---- data ---------------------------------------------------------------------------------

    @Override
    public List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count) {
        return call(Op.BLOCKS, read(Op.BLOCKS, ctx).i64(ino).i64(fromIndex).i32(count), WireIn::blockRefs);
    }

    @Override
    public Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        return call(Op.COMMIT_BLOCKS, mutation(Op.COMMIT_BLOCKS, ctx).i64(ino).blockRefs(blocks).i64(minSize).i64(mtimeNs), WireIn::attr);
    }

    @Override
    public Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count) {
        return call(Op.PUNCH_BLOCKS, mutation(Op.PUNCH_BLOCKS, ctx).i64(ino).i64(fromIndex).i64(count), WireIn::attr);
    }

    @Override
    public long reserveBlockIds(Ctx ctx, int count) {
        return call(Op.RESERVE_BLOCK_IDS, mutation(Op.RESERVE_BLOCK_IDS, ctx).i32(count), WireIn::i64);
    }

    // ---- extended attributes ------------------------------------------------------------------

    @Override
    public byte[] getXattr(Ctx ctx, long ino, String name) {
        return call(Op.GET_XATTR, read(Op.GET_XATTR, ctx).i64(ino).str(name), WireIn::bytes);
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        call(Op.SET_XATTR, mutation(Op.SET_XATTR, ctx).i64(ino).str(name).bytes(value).i32(flags), NOTHING);
    }

    @Override
    public List<String> listXattr(Ctx ctx, long ino) {
        return call(Op.LIST_XATTR, read(Op.LIST_XATTR, ctx).i64(ino), WireIn::strings);
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        call(Op.REMOVE_XATTR, mutation(Op.REMOVE_XATTR, ctx).i64(ino).str(name), NOTHING);
    }

    // ---- access tokens (ADR 0100) -------------------------------------------------------------

    @Override
    public IssuedToken createToken(TokenSpec spec) {
        // A lost reply leaves a token nobody knows the secret of: harmless, and listed for revocation.
        return call(Op.CREATE_TOKEN, WireOut.request(Op.CREATE_TOKEN).tokenSpec(spec), in -> new IssuedToken(in.accessToken(), in.str()));
    }

    @Override
    public List<AccessToken> listTokens(String volume) {
        return call(Op.LIST_TOKENS, WireOut.request(Op.LIST_TOKENS).str(volume), WireIn::accessTokens);
    }

    @Override
    public AccessToken revokeToken(String id) {
        return call(Op.REVOKE_TOKEN, WireOut.request(Op.REVOKE_TOKEN).str(id), WireIn::accessToken);
    }

    // ---- locks ---------------------------------------------------------------------------------

    @Override
    public io.tarn.api.LockSpec testLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock) {
        return call(Op.TEST_LOCK, read(Op.TEST_LOCK, ctx).i64(ino).lockSpec(lock), WireIn::optionalLockSpec);
    }

    @Override
    public int setLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock, long waitId, int waitMillis) {
        return call(Op.SET_LOCK, read(Op.SET_LOCK, ctx).i64(ino).lockSpec(lock).i64(waitId).i32(waitMillis), WireIn::i32);
    }

    @Override
    public boolean cancelLockWait(Ctx ctx, long waitId) {
        return call(Op.CANCEL_LOCK_WAIT, read(Op.CANCEL_LOCK_WAIT, ctx).i64(waitId), WireIn::bool);
    }

    @Override
    public void releaseLocks(Ctx ctx, long ino, long owner) {
        call(Op.RELEASE_LOCKS, read(Op.RELEASE_LOCKS, ctx).i64(ino).i64(owner), NOTHING);
    }

    @Override
    public int reclaimLocks(Ctx ctx, List<io.tarn.api.LockClaim> held) {
        return call(Op.RECLAIM_LOCKS, read(Op.RECLAIM_LOCKS, ctx).lockClaims(held), WireIn::i32);
    }

    @Override
    public void onServerRestart(Runnable listener) {
        restartListeners.add(listener);
    }


    // ---- coherence ----------------------------------------------------------------------------

    @Override
    public ChangeBatch changes(long session, long feed, long cursor, int max, int waitMillis) {
        return call(feedLink(), Op.CHANGES, WireOut.request(Op.CHANGES).i64(session).i64(feed).i64(cursor).i32(max).i32(waitMillis),
                WireIn::changeBatch, null);
    }

    private synchronized ServerLink feedLink() {
        if (closed) throw FsException.of(Errno.EBADF, "the client of metadata server %s is closed", server());
        if (feedLink == null) feedLink = new ServerLink(hostPort, addr, opts, epoch -> { });
        return feedLink;
    }

    @Override
    public boolean[] xattrHolders(Ctx ctx, long[] inos) {
        boolean[] out = call(Op.XATTR_HOLDERS, read(Op.XATTR_HOLDERS, ctx).longs(inos), WireIn::bools);
        if (out.length != inos.length)
            throw FsException.of(Errno.EIO, "metadata server %s answered %d flags for %d inodes", server(), out.length, inos.length);
        return out;
    }

    /** Closes the connections and stops the heartbeats; sessions stay open on the server until closed or expired. */
    @Override
    public void close() {
        sessions.close();
        link.close();
        ServerLink f;
        synchronized (this) {
            closed = true;
            f = feedLink;
        }
        if (f != null) f.close();
    }
}
