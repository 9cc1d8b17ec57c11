package io.tarn.proxy;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStoreException;
import io.tarn.api.VolumeInfo;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the access tokens clients present to the proxy with the metadata server, the one authority on
 * tokens (ADR 0140): the proxy connects to it presenting the client's token, exactly as a client would,
 * and the server's AUTHENTICATE answer says whether the token is good and what it allows; then the
 * proxy reads the token's volume (its uuid scopes the keys the client may touch). The proxy holds no
 * credential of its own and no copy of the token store.
 *
 * <p>An answer is trusted for {@code recheck}; a call after that asks the server again first, so a
 * revoked token stops working on the proxy within that time (expiry is checked on every call, locally).
 * While the metadata server cannot be reached, calls that need a fresh answer fail with a retryable error
 * instead of trusting a stale one.
 */
final class MetaTokenChecker implements AccessTokens {
    private static final System.Logger LOG = System.getLogger(MetaTokenChecker.class.getName());
    private static final int ID_FROM = "tarn_".length(), ID_TO = ID_FROM + 16;

    /** What the server said about one token, and when. */
    static final class Checked {
        final String id;
        private final byte[] secretHash;
        private final String presented;
        volatile AccessToken token;
        volatile VolumeInfo volume;
        volatile long checkedNanos;
        /** The server's refusal at the last check (revoked, expired, volume gone), or null while it is good. */
        volatile FsException refused;

        Checked(String id, String presented, AccessToken token, VolumeInfo volume) {
            this.id = id;
            this.presented = presented;
            this.secretHash = sha256(presented);
            this.token = token;
            this.volume = volume;
            this.checkedNanos = System.nanoTime();
        }
    }

    private final String meta;
    private final RpcOptions opts;
    private final Duration recheck;
    private final ConcurrentHashMap<String, Checked> byId = new ConcurrentHashMap<>();

    /**
     * @param meta    the metadata server, {@code host:port}
     * @param opts    how to reach it (TLS); the token is replaced by each presented one
     * @param recheck how long an answer is trusted
     */
    MetaTokenChecker(String meta, RpcOptions opts, Duration recheck) {
        this.meta = meta;
        // One attempt, no heartbeats, no ride-through: a check either gets an answer now or says it could not.
        this.opts = opts.withHeartbeatInterval(Duration.ZERO).withRideThrough(Duration.ZERO);
        this.recheck = recheck;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public AccessToken verify(String presented) {
        if (presented == null || presented.isBlank()) throw FsException.of(Errno.EACCES, "no access token presented");
        String p = presented.strip();
        if (p.length() < ID_TO || !p.startsWith("tarn_"))
            throw FsException.of(Errno.EACCES, "malformed access token (expected tarn_<id>_<secret>)");
        String id = p.substring(ID_FROM, ID_TO);
        Checked c = byId.get(id);
        if (c != null && MessageDigest.isEqual(c.secretHash, sha256(p)) && fresh(c)) {
            FsException no = c.refused;
            if (no != null) throw no;
            return live(c);
        }
        Checked answer = ask(id, p);
        if (byId.size() > 10_000) byId.values().removeIf(old -> !fresh(old));
        byId.put(id, answer);
        return live(answer);
    }

    private boolean fresh(Checked c) {
        return System.nanoTime() - c.checkedNanos < recheck.toNanos();
    }

    private AccessToken live(Checked c) {
        AccessToken t = c.token;
        if (t.expiredAt(nowNs())) throw FsException.of(Errno.EACCES, "access token %s has expired", t.id());
        return t;
    }

    /** Asks the metadata server about a token; EACCES if it refuses it, EAGAIN if it cannot be asked now. */
    private Checked ask(String id, String presented) {
        try (RemoteMetaService m = RemoteMetaService.connect(meta, opts.withToken(presented))) {
            AccessToken t = m.grant();
            if (t == null)
                throw FsException.of(Errno.EACCES, "metadata server %s keeps no access tokens, so the proxy cannot check token %s", meta, id);
            VolumeInfo v = t.admin() ? null : m.volume(t.volume());
            return new Checked(id, presented, t, v);
        } catch (FsException e) {
            if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM || e.errno() == Errno.ENOENT) {
                String msg = e.getMessage();
                throw FsException.of(Errno.EACCES, "%s", msg.startsWith("EACCES: ") ? msg.substring(8) : msg);
            }
            LOG.log(System.Logger.Level.WARNING, "cannot check access token {0} with metadata server {1}: {2}", id, meta, e.getMessage());
            throw new ObjectStoreException("cannot check access token " + id + " with metadata server " + meta + ": " + e.getMessage(), true, e);
        }
    }

    /**
     * The token as the metadata server last described it, asked again if the answer is older than the
     * recheck interval: EACCES once it is revoked, expired or gone (its volume deleted).
     */
    Checked check(String id) {
        Checked c = byId.get(id);
        if (c == null) throw FsException.of(Errno.EACCES, "access token %s is no longer known to this proxy", id);
        if (!fresh(c)) {
            synchronized (c) {
                if (!fresh(c)) {
                    try {
                        Checked answer = ask(id, c.presented);
                        c.token = answer.token;
                        c.volume = answer.volume;
                        c.refused = null;
                    } catch (FsException refused) {
                        // Kept for the interval, so every connection of the token hears the server's own reason.
                        c.refused = refused;
                    }
                    c.checkedNanos = System.nanoTime();
                }
            }
        }
        FsException no = c.refused;
        if (no != null) throw no;
        live(c);
        return c;
    }

    @Override
    public AccessToken current(String id) {
        Checked c = byId.get(id);
        return c == null ? null : c.token;
    }

    @Override
    public String sessionVolume(long session) {
        return null; // the proxy serves no sessions
    }

    @Override
    public long nowNs() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public IssuedToken createToken(TokenSpec spec) {
        throw FsException.of(Errno.ENOTSUP, "a proxy issues no access tokens: use tarn token create against the metadata server");
    }

    @Override
    public List<AccessToken> listTokens(String volume) {
        throw FsException.of(Errno.ENOTSUP, "a proxy keeps no access tokens: use tarn token list against the metadata server");
    }

    @Override
    public AccessToken revokeToken(String id) {
        throw FsException.of(Errno.ENOTSUP, "a proxy keeps no access tokens: use tarn token revoke against the metadata server");
    }
}
