package io.tarn.rpc;

import io.tarn.api.ObjectStore;
import io.tarn.api.auth.AccessToken;

/**
 * What the connections of an object store server (a proxy, ADR 0140) may reach. The stores returned
 * check every call themselves (scope, read-only, revocation) and throw {@link io.tarn.api.FsException}
 * (EACCES, EROFS, EPERM) to refuse one; the server turns that into an error reply.
 */
public interface ObjectStoreAccess {
    /** What a connection without a token reaches, when the server's security does not require one. */
    ObjectStore anonymous();

    /**
     * What a connection that authenticated with {@code token} reaches; called once per connection. An
     * FsException refuses the connection (logged with the peer).
     */
    ObjectStore forToken(AccessToken token, String peer);
}
