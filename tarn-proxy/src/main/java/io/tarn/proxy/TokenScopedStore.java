package io.tarn.proxy;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.auth.AccessToken;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What one client connection of the proxy reaches with its token (ADR 0140): every call first asks the
 * checker for the token's current state (revoked, expired: EACCES); a read-only token cannot put or
 * delete (EROFS); a volume token reaches only keys under its volume's uuid (EPERM), so a client of one
 * volume can neither read nor overwrite another's blocks through a shared proxy. An admin token reaches
 * every key (tools). Refusals are logged once per connection and kind.
 */
final class TokenScopedStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(TokenScopedStore.class.getName());

    private final ObjectStore store;
    private final MetaTokenChecker checker;
    private final String id, peer;
    private boolean loggedRevoked, loggedReadOnly, loggedScope;

    TokenScopedStore(ObjectStore store, MetaTokenChecker checker, AccessToken token, String peer) {
        this.store = store;
        this.checker = checker;
        this.id = token.id();
        this.peer = peer;
    }

    /** Throws unless the token, as it stands now, allows {@code what} on keys starting with {@code key}. */
    private void allow(String what, String key, boolean write) {
        MetaTokenChecker.Checked c;
        try {
            c = checker.check(id);
        } catch (FsException e) {
            synchronized (this) {
                if (!loggedRevoked) LOG.log(System.Logger.Level.WARNING, "refusing calls from {0}: {1}", peer, e.getMessage());
                loggedRevoked = true;
            }
            throw e;
        }
        AccessToken t = c.token;
        if (write && t.readOnly()) {
            refuse(0, "access token %s is read-only: %s of %s refused", id, what, key);
        }
        if (!t.admin()) {
            String mine = c.volume.uuid() + "/";
            if (key == null || !key.startsWith(mine))
                refuse(1, "access token %s is for volume %s: %s of %s is outside it", id, t.volume(), what, key == null ? "every key" : key);
        }
    }

    private void refuse(int kind, String format, Object... args) {
        FsException e = FsException.of(kind == 0 ? Errno.EROFS : Errno.EPERM, format, args);
        synchronized (this) {
            boolean first = kind == 0 ? !loggedReadOnly : !loggedScope;
            if (kind == 0) loggedReadOnly = true;
            else loggedScope = true;
            if (first) LOG.log(System.Logger.Level.WARNING, "refusing a call from {0}: {1}", peer, e.getMessage());
        }
        throw e;
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        allow("get", key, false);
        return store.get(key, offset, length);
    }

    @Override
    public void put(String key, ByteBuffer data) {
        allow("put", key, true);
        store.put(key, data);
    }

    @Override
    public void delete(String key) {
        allow("delete", key, true);
        store.delete(key);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        allow("head", key, false);
        return store.head(key);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        allow("list", prefix, false);
        return store.list(prefix, startAfter);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void close() {
        // the shared store belongs to the proxy
    }
}
