package io.tarn.api.auth;

/**
 * A token to issue: see {@link AccessToken} for the fields. {@code volume} null makes an admin token.
 * Without {@code trustUids}, {@code uid} and {@code gid} are who every caller of the token becomes.
 */
public record TokenSpec(String volume, boolean readOnly, long expiresNs, boolean trustUids, int uid, int gid) {
    public TokenSpec {
        if (!trustUids && (uid < 0 || gid < 0)) throw new IllegalArgumentException("a squashing token needs a uid and gid >= 0");
    }
}
