package io.tarn.client.crypt;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Wraps the key of generation g-1 under the key of generation g (AES-256-GCM, random 96-bit nonce,
 * associated data "tarn key wrap" + g), so a client holding only the newest key recovers every older
 * one from the volume record, and the record alone (what the server holds) reveals none.
 * Layout: nonce (12) | encrypted key (32) | tag (16).
 */
final class KeyWrap {
    static final int BYTES = 12 + 32 + 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyWrap() {}

    static byte[] wrap(byte[] kek, int generation, byte[] previous) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad(generation));
            byte[] sealed = c.doFinal(previous);
            return ByteBuffer.allocate(BYTES).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key wrap failed", e);
        }
    }

    /** The previous generation's key, or null if {@code wrapped} does not authenticate under {@code kek}. */
    static byte[] unwrap(byte[] kek, int generation, byte[] wrapped) {
        if (wrapped == null || wrapped.length != BYTES) return null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, Arrays.copyOf(wrapped, 12)));
            c.updateAAD(aad(generation));
            return c.doFinal(wrapped, 12, wrapped.length - 12);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key unwrap failed", e);
        }
    }

    private static byte[] aad(int generation) {
        return ("tarn key wrap " + generation).getBytes(StandardCharsets.US_ASCII);
    }
}
