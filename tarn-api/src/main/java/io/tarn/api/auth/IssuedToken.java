package io.tarn.api.auth;

/** A token just created: {@code secret} is the string a client presents; the server keeps only its hash. */
public record IssuedToken(AccessToken info, String secret) {
    @Override
    public String toString() {
        return "IssuedToken[" + info + "]"; // the secret never goes into a log line
    }
}
