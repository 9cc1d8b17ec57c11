package io.tarn.rpc;

import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenAdmin;
import io.tarn.api.auth.TokenSpec;

/**
 * The server half of the codec: decodes one request payload, calls the {@link MetaService} and
 * encodes the reply frame. Any failure, including a malformed payload or a bug in the service,
 * becomes an error reply carrying an errno name and a message; nothing here throws.
 */
final class CallDispatcher implements Dispatch {
    private static final System.Logger LOG = System.getLogger(CallDispatcher.class.getName());
    private final MetaService svc;
    private final TokenAdmin tokens;

    CallDispatcher(MetaService svc) {
        this(svc, null);
    }

    /** {@code tokens} serves the token opcodes; null: this server keeps no tokens (ENOTSUP). */
    CallDispatcher(MetaService svc, TokenAdmin tokens) {
        this.svc = svc;
        this.tokens = tokens;
    }

    private TokenAdmin tokens() {
        if (tokens == null) throw FsException.of(Errno.ENOTSUP, "this metadata server keeps no access tokens");
        return tokens;
    }

    /**
     * Handles the request in {@code payload[0, length)} that arrived at {@code arrivalNanos};
     * returns the whole reply frame (see {@link WireOut#frame()}).
     */
    @Override
    public WireOut handle(byte[] payload, int length, long arrivalNanos) {
        long callId = WireIn.getLong(payload, 0);
        int code = payload[8] & 0xff;
        int deadlineMillis = WireIn.getInt(payload, 9);
        Op op = Op.of(code);
        if (op == null) return error(callId, new FsException(Errno.ENOSYS, "unknown opcode " + code));
        if (op.objectStore())
            return error(callId, new FsException(Errno.ENOSYS, op.method() + ": this is a metadata server, not a proxy"));
        if (deadlineMillis > 0 && System.nanoTime() - arrivalNanos > deadlineMillis * 1_000_000L)
            return error(callId, new FsException(Errno.ETIMEDOUT, op.method() + " expired in the server's queue"));
        WireIn in = new WireIn(payload, Wire.REQUEST_HEADER, length - Wire.REQUEST_HEADER);
        WireOut out = WireOut.response(callId, Wire.OK);
        try {
            call(op, in, out);
            return out;
        } catch (FsException e) {
            return error(callId, e);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "metadata call " + op.method() + " failed unexpectedly", e);
            return error(callId, new FsException(Errno.EIO, op.method() + " failed on the server: " + e));
        }
    }

    static WireOut error(long callId, FsException e) {
        String msg = e.getMessage();
        String prefix = e.errno().name();
        // FsException.getMessage() prefixes the errno name; send the bare message so the client's copy reads the same.
        if (msg.equals(prefix)) msg = null;
        else if (msg.startsWith(prefix + ": ")) msg = msg.substring(prefix.length() + 2);
        return WireOut.response(callId, Wire.ERROR).str(prefix).str(msg);
    }

    /** Rebuilds the FsException of an error reply; an errno this side does not know becomes EIO, named in the message. */
    static FsException decodeError(WireIn in) {
        String name = in.str();
        String msg = in.str();
        Errno errno;
        try {
            errno = Errno.valueOf(name == null ? "EIO" : name);
        } catch (IllegalArgumentException unknown) {
            return new FsException(Errno.EIO, name + (msg == null ? "" : ": " + msg));
        }
        return new FsException(errno, msg);
    }

    private void call(Op op, WireIn in, WireOut out) {
        switch (op) {
            case CREATE_VOLUME -> {
                var spec = in.volumeSpec();
                in.end();
                out.volumeInfo(svc.createVolume(spec));
            }
            case LIST_VOLUMES -> {
                in.end();
                out.volumeInfos(svc.listVolumes());
            }
            case VOLUME -> {
                String name = in.str();
                in.end();
                out.volumeInfo(svc.volume(name));
            }
            case DELETE_VOLUME -> {
                String name = in.str();
                in.end();
                svc.deleteVolume(name);
            }
            case OPEN_SESSION -> {
                String volume = in.str(), client = in.str();
                in.end();
                out.sessionInfo(svc.openSession(volume, client));
            }
            case OPEN_VIEW -> {
                String volume = in.str(), client = in.str();
                long at = in.i64();
                in.end();
                out.sessionInfo(svc.openSession(volume, client, at));
            }
            case SET_RETENTION -> {
                String volume = in.str();
                long seconds = in.i64();
                in.end();
                out.volumeInfo(svc.setRetention(volume, seconds));
            }
            case SET_VOLUME_PROXY -> {
                String volume = in.str(), proxy = in.str();
                in.end();
                out.volumeInfo(svc.setVolumeProxy(volume, proxy));
            }
            case ADD_VOLUME_KEY -> {
                String volume = in.str();
                var key = in.keyGeneration();
                in.end();
                out.volumeInfo(svc.addVolumeKey(volume, key));
            }
            case SET_VOLUME_QUOTA -> {
                String volume = in.str();
                long bytes = in.i64(), inodes = in.i64();
                in.end();
                out.statFs(svc.setVolumeQuota(volume, bytes, inodes));
            }
            case VOLUME_QUOTA -> {
                String volume = in.str();
                in.end();
                out.statFs(svc.volumeQuota(volume));
            }
            case VOLUME_USAGE -> {
                String volume = in.str();
                in.end();
                out.volumeUsage(svc.volumeUsage(volume));
            }
            case GC_HORIZON -> {
                String volume = in.str();
                in.end();
                out.i64(svc.gcHorizon(volume));
            }
            case GARBAGE -> {
                String volume = in.str();
                long before = in.i64();
                var after = in.bool() ? in.garbageBlock() : null;
                int limit = in.i32();
                in.end();
                out.garbageBlocks(svc.garbage(volume, before, after, Math.min(limit, MetaService.GC_PAGE_MAX)));
            }
            case FORGET_GARBAGE -> {
                String volume = in.str();
                var done = in.garbageBlocks();
                in.end();
                svc.forgetGarbage(volume, done);
            }
            case LIVE_BLOCKS -> {
                String volume = in.str();
                var after = in.bool() ? in.liveBlock() : null;
                int limit = in.i32();
                in.end();
                out.liveBlocks(svc.liveBlocks(volume, after, Math.min(limit, MetaService.GC_PAGE_MAX)));
            }
            case GC_CLIENTS -> {
                String volume = in.str();
                in.end();
                out.gcClients(svc.gcClients(volume));
            }
            case HEARTBEAT -> {
                long s = in.i64();
                in.end();
                svc.heartbeat(s);
            }
            case CLOSE_SESSION -> {
                long s = in.i64();
                in.end();
                svc.closeSession(s);
            }
            case LOOKUP -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                in.end();
                out.attr(svc.lookup(c, parent, name));
            }
            case GET_ATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                in.end();
                out.attr(svc.getAttr(c, ino));
            }
            case SET_ATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                var changes = in.setAttr();
                in.end();
                out.attr(svc.setAttr(c, ino, changes));
            }
            case MKNOD -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                int mode = in.i32(), rdev = in.i32();
                in.end();
                out.attr(svc.mknod(c, parent, name, mode, rdev));
            }
            case CREATE -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                int mode = in.i32(), flags = in.i32();
                in.end();
                out.attr(svc.create(c, parent, name, mode, flags));
            }
            case MKDIR -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                int mode = in.i32();
                in.end();
                out.attr(svc.mkdir(c, parent, name, mode));
            }
            case SYMLINK -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str(), target = in.str();
                in.end();
                out.attr(svc.symlink(c, parent, name, target));
            }
            case READLINK -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                in.end();
                out.str(svc.readlink(c, ino));
            }
            case LINK -> {
                Ctx c = in.ctx();
                long ino = in.i64(), newParent = in.i64();
                String newName = in.str();
                in.end();
                out.attr(svc.link(c, ino, newParent, newName));
            }
            case UNLINK -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                in.end();
                svc.unlink(c, parent, name);
            }
            case RMDIR -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                in.end();
                svc.rmdir(c, parent, name);
            }
            case RENAME -> {
                Ctx c = in.ctx();
                long parent = in.i64();
                String name = in.str();
                long newParent = in.i64();
                String newName = in.str();
                int flags = in.i32();
                in.end();
                svc.rename(c, parent, name, newParent, newName, flags);
            }
            case READ_DIR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                String after = in.str();
                int limit = in.i32();
                boolean plus = in.bool();
                in.end();
                out.dirPage(svc.readDir(c, ino, after, limit, plus));
            }
            case ACCESS -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                int mask = in.i32();
                in.end();
                svc.access(c, ino, mask);
            }
            case OPEN -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                int flags = in.i32();
                in.end();
                out.attr(svc.open(c, ino, flags));
            }
            case RELEASE -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                in.end();
                svc.release(c, ino);
            }
            case STAT_FS -> {
                Ctx c = in.ctx();
                in.end();
                out.statFs(svc.statFs(c));
            }
            case BLOCKS -> {
                Ctx c = in.ctx();
                long ino = in.i64(), from = in.i64();
                int count = in.i32();
                in.end();
                out.blockRefs(svc.blocks(c, ino, from, count));
            }
            case COMMIT_BLOCKS -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                var blocks = in.blockRefs();
                long minSize = in.i64(), mtimeNs = in.i64();
                in.end();
                out.attr(svc.commitBlocks(c, ino, blocks, minSize, mtimeNs));
            }
            case PUNCH_BLOCKS -> {
                Ctx c = in.ctx();
                long ino = in.i64(), from = in.i64(), count = in.i64();
                in.end();
                out.attr(svc.punchBlocks(c, ino, from, count));
            }
            case RESERVE_BLOCK_IDS -> {
                Ctx c = in.ctx();
                int count = in.i32();
                in.end();
                out.i64(svc.reserveBlockIds(c, count));
            }
            case CHANGES -> {
                long session = in.i64(), feed = in.i64(), cursor = in.i64();
                int max = in.i32(), wait = in.i32();
                in.end();
                out.changeBatch(svc.changes(session, feed, cursor, max, wait));
            }
            case XATTR_HOLDERS -> {
                Ctx c = in.ctx();
                long[] inos = in.longs();
                in.end();
                out.bools(svc.xattrHolders(c, inos));
            }
            case GET_XATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                String name = in.str();
                in.end();
                out.bytes(svc.getXattr(c, ino, name));
            }
            case SET_XATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                String name = in.str();
                byte[] value = in.bytes();
                int flags = in.i32();
                in.end();
                svc.setXattr(c, ino, name, value, flags);
            }
            case LIST_XATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                in.end();
                out.strings(svc.listXattr(c, ino));
            }
            case AUTHENTICATE -> throw FsException.of(Errno.EPROTO, "authenticate is only valid once, right after the hello");
            case CREATE_TOKEN -> {
                TokenSpec spec = in.tokenSpec();
                in.end();
                IssuedToken t = tokens().createToken(spec);
                out.accessToken(t.info()).str(t.secret());
            }
            case LIST_TOKENS -> {
                String volume = in.str();
                in.end();
                out.accessTokens(tokens().listTokens(volume));
            }
            case REVOKE_TOKEN -> {
                String id = in.str();
                in.end();
                out.accessToken(tokens().revokeToken(id));
            }
            case TEST_LOCK -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                var lock = in.lockSpec();
                in.end();
                out.optionalLockSpec(svc.testLock(c, ino, lock));
            }
            case SET_LOCK -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                var lock = in.lockSpec();
                long waitId = in.i64();
                int waitMillis = in.i32();
                in.end();
                out.i32(svc.setLock(c, ino, lock, waitId, waitMillis));
            }
            case CANCEL_LOCK_WAIT -> {
                Ctx c = in.ctx();
                long waitId = in.i64();
                in.end();
                out.bool(svc.cancelLockWait(c, waitId));
            }
            case RELEASE_LOCKS -> {
                Ctx c = in.ctx();
                long ino = in.i64(), owner = in.i64();
                in.end();
                svc.releaseLocks(c, ino, owner);
            }
            case RECLAIM_LOCKS -> {
                Ctx c = in.ctx();
                var claims = in.lockClaims();
                in.end();
                out.i32(svc.reclaimLocks(c, claims));
            }
            case REMOVE_XATTR -> {
                Ctx c = in.ctx();
                long ino = in.i64();
                String name = in.str();
                in.end();
                svc.removeXattr(c, ino, name);
            }
        }
    }
}
