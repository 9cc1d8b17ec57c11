package io.tarn.rpc;

import io.tarn.api.auth.AccessTokens;
import io.tarn.rpc.tls.Tls;

/**
 * How an {@link RpcServer} protects itself (ADR 0100).
 *
 * @param tls            TLS for every connection (a plaintext client is refused with a clear reason), or null
 * @param tokens         the token store: serves token management and checks presented tokens; null for none
 * @param tokensRequired every call needs a valid token; otherwise a connection without one has full access
 *                       (loopback, embedded mode) and one with a token gets what the token allows
 */
public record ServerSecurity(Tls tls, AccessTokens tokens, boolean tokensRequired) {
    public static final ServerSecurity NONE = new ServerSecurity(null, null, false);

    public ServerSecurity {
        if (tokensRequired && tokens == null) throw new IllegalArgumentException("tokens required but no token store given");
    }
}
