package io.tarn.api.auth;

/** The server side of tokens: the store that issues them also checks them. */
public interface AccessTokens extends TokenAdmin {
    /**
     * The token a client presented, if it is known, matches, is not revoked or expired and its volume
     * still exists; EACCES otherwise, with a message that names the token id (never the secret).
     */
    AccessToken verify(String presented);

    /** The current state of a token verified earlier (a cheap in-memory read), or null if it is gone. */
    AccessToken current(String id);

    /** The name of the volume a live session works on, or null if the store does not know the session. */
    String sessionVolume(long session);

    /** The clock tokens expire by, in ns since the epoch. */
    long nowNs();
}
