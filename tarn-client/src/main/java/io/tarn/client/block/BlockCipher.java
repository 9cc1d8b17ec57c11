package io.tarn.client.block;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * AES-256-GCM for the payload of block objects of one volume (ADR 0090). The key never leaves the
 * client: the volume keeps only {@link #keyCheck}, a keyed hash from which the key cannot be recovered.
 * Every object gets a fresh random 96-bit nonce; the associated data is the volume uuid plus the
 * object's fixed header (which holds the block id and the nonce), so an object moved to another block
 * id or another volume, or a header edited in place, fails authentication. Thread-safe.
 */
public final class BlockCipher {
    public static final int CIPHER_ID = 1;
    public static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    private static final int TAG_BITS = TAG_BYTES * 8;
    private static final SecureRandom RANDOM = new SecureRandom();
    // Cipher objects are not thread-safe and costly to look up; one per thread, re-initialised per object.
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no AES/GCM", e);
        }
    });

    private final SecretKeySpec key;
    private final byte[] volume;

    public BlockCipher(byte[] key, String volumeUuid) {
        if (key.length != KEY_BYTES) throw new IllegalArgumentException("an AES-256 key has 32 bytes, not " + key.length);
        this.key = new SecretKeySpec(key, "AES");
        this.volume = volumeUuid.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] newNonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    /** Encrypts {@code src[off, off+len)} into {@code out} at {@code outOff}; returns the bytes written (len + tag). */
    int encrypt(byte[] nonce, byte[] header, int headerLen, byte[] src, int off, int len, byte[] out, int outOff) {
        try {
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(volume);
            c.updateAAD(header, 0, headerLen);
            return c.doFinal(src, off, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** The plain bytes of {@code src[off, off+len)} (ciphertext then tag); {@link BlockFormat.Corrupt} if it does not authenticate. */
    byte[] decrypt(byte[] nonce, byte[] header, int headerLen, byte[] src, int off, int len) {
        if (len < TAG_BYTES) throw new BlockFormat.Corrupt("payload shorter than the GCM tag");
        if (nonce.length != NONCE_BYTES) throw new BlockFormat.Corrupt("nonce of " + nonce.length + " bytes, AES-GCM uses " + NONCE_BYTES);
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(volume);
            c.updateAAD(header, 0, headerLen);
            return c.doFinal(src, off, len);
        } catch (AEADBadTagException e) {
            // The payload CRC already passed, so this is not storage rot: a wrong key, or an object
            // that was made for another block id or volume, or a deliberately altered one.
            throw new BlockFormat.Corrupt("does not authenticate (wrong key, or the object was altered or moved)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    /**
     * The value a volume stores to recognise its key: HMAC-SHA256(key, "tarn key check" + volume uuid),
     * first 16 bytes. Binding the uuid keeps the same key from producing the same value on two volumes.
     */
    public static byte[] keyCheck(byte[] key, String volumeUuid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update("tarn key check".getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(mac.doFinal(volumeUuid.getBytes(StandardCharsets.UTF_8)), 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }

    /**
     * Refuses a missing key, or one whose check value differs from the volume's, with EACCES and a
     * one-line message that names neither key nor check value (so logs reveal nothing useful).
     */
    public static void verifyKey(byte[] key, String volumeUuid, byte[] expected) {
        if (key == null) throw new FsException(Errno.EACCES, "volume " + volumeUuid + " is encrypted: a key file is needed (-o key-file=PATH)");
        if (key.length != KEY_BYTES || !MessageDigest.isEqual(keyCheck(key, volumeUuid), expected))
            throw new FsException(Errno.EACCES, "wrong key for encrypted volume " + volumeUuid);
    }

    /** Reads a key file: exactly 32 bytes. */
    public static byte[] readKeyFile(Path p) throws IOException {
        byte[] k = Files.readAllBytes(p);
        if (k.length != KEY_BYTES) {
            Arrays.fill(k, (byte) 0);
            throw new IOException("key file " + p + " must hold exactly " + KEY_BYTES + " bytes");
        }
        return k;
    }

    /** Writes 32 random bytes to a new file {@code p}, readable by its owner only (mode 0600 where POSIX). */
    public static void createKeyFile(Path p) throws IOException {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        try {
            // Created with the mode already set, so the key is never briefly readable by others.
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(p);
        }
        Files.write(p, k, StandardOpenOption.TRUNCATE_EXISTING);
        Arrays.fill(k, (byte) 0);
    }
}
