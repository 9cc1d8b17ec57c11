package io.tarn.rpc;

import io.tarn.api.auth.AccessToken;

/**
 * What an {@link RpcServer} serves behind the shared transport (framing, TLS, hello, AUTHENTICATE):
 * the metadata service (ADR 0030) or a proxy's object store (ADR 0140).
 */
interface Served {
    /** Calls of a connection that presented no token where none is required. */
    Dispatch open();

    /** Calls of a connection that authenticated with {@code token}; built once per connection. */
    Dispatch guarded(AccessToken token, String peer);

    /** "metadata server" or "proxy", for log lines and refusals. */
    String what();
}
