package io.tarn.client.crypt;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The value a volume records per key generation to recognise its key: 16 random bytes, then the first
 * 16 bytes of HMAC-SHA256(key, "tarn key check" + those bytes). The key cannot be recovered from it,
 * and the random part makes it differ between volumes (and generations) that share a key. It is made
 * before the volume exists (the server picks the uuid), which is why it does not bind the uuid.
 */
public final class KeyCheck {
    public static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyCheck() {}

    public static byte[] of(byte[] key) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return withSalt(key, salt);
    }

    static byte[] withSalt(byte[] key, byte[] salt) {
        byte[] out = Arrays.copyOf(salt, BYTES);
        System.arraycopy(mac(key, salt), 0, out, 16, 16);
        return out;
    }

    /** Constant-time comparison of {@code key}'s check value with {@code check}. */
    public static boolean matches(byte[] key, byte[] check) {
        if (key == null || check == null || check.length != BYTES) return false;
        return MessageDigest.isEqual(withSalt(key, Arrays.copyOf(check, 16)), check);
    }

    private static byte[] mac(byte[] key, byte[] salt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update("tarn key check".getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(salt);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }
}
