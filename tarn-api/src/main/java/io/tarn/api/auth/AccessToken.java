package io.tarn.api.auth;

/**
 * What an access token allows, as the server keeps it (never the secret itself).
 *
 * @param id        public, random; names the token in lists, logs and {@code tarn token revoke}
 * @param volume    the one volume it opens, or null for an admin token (every volume, volume and token management)
 * @param readOnly  every mutation is refused with EROFS
 * @param expiresNs when it stops working (ns since the epoch), 0 for never
 * @param trustUids the server takes the uid/gid the client sends; otherwise every caller becomes {@code uid}/{@code gid}
 * @param createdNs when it was issued
 * @param revokedNs when it was revoked, 0 while it is not
 */
public record AccessToken(String id, String volume, boolean readOnly, long expiresNs, boolean trustUids, int uid, int gid,
                          long createdNs, long revokedNs) {

    public boolean admin() {
        return volume == null;
    }

    public boolean revoked() {
        return revokedNs != 0;
    }

    public boolean expiredAt(long nowNs) {
        return expiresNs != 0 && nowNs >= expiresNs;
    }

    /** live, expired or revoked at {@code nowNs}. */
    public String state(long nowNs) {
        return revoked() ? "revoked" : expiredAt(nowNs) ? "expired" : "live";
    }

    /** One line for operators: scope, mode, identity. */
    public String describe() {
        return (admin() ? "admin" : "volume " + volume) + ", " + (readOnly ? "read-only" : "read-write") + ", "
                + (trustUids ? "trusts client uids" : "callers squashed to uid " + uid + " gid " + gid);
    }

    public AccessToken revokedAt(long ns) {
        return new AccessToken(id, volume, readOnly, expiresNs, trustUids, uid, gid, createdNs, ns);
    }
}
