package io.tarn.api.auth;

import java.util.List;

/** Issuing, listing and revoking access tokens; over RPC only an admin token may do it. */
public interface TokenAdmin {
    /** Issues a token; ENOENT if its volume does not exist. */
    IssuedToken createToken(TokenSpec spec);

    /** Tokens of {@code volume}, or all when null, revoked and expired ones included, by id. */
    List<AccessToken> listTokens(String volume);

    /** Revokes a token (again: no change) and returns it; ENOENT if unknown. Takes effect on the token's next call. */
    AccessToken revokeToken(String id);
}
