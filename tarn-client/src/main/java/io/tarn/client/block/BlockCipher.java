package io.tarn.client.block;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * AES-256-GCM for the payload of block objects of one volume (ADR 0090, 0092). The keys never leave
 * the client. Every object gets a fresh random 96-bit nonce; the associated data is the volume uuid
 * plus the object's fixed header (which holds the block id, the key generation and the nonce), so an
 * object moved to another block id or another volume, or a header edited in place, fails
 * authentication. New objects use the newest key generation; older objects are decrypted with the
 * generation their header names. Thread-safe.
 */
public final class BlockCipher {
    /** Cipher id of objects whose whole payload is one GCM message (the first format; still read). */
    public static final int CIPHER_ID = 1;
    /** Cipher id of objects written now: the payload in GCM segments of {@link #SEGMENT} bytes, each with its own tag. */
    public static final int SEGMENTED_ID = 2;
    /**
     * Why segments: the JIT compiles the JDK's AES-GCM intrinsics only after many calls, and a mount
     * daemon makes few calls of 4 MiB each, so whole-payload GCM ran at ~15 MiB/s for the daemon's whole
     * life; 64 KiB calls reach the intrinsics (1.5-2 GiB/s per core here) within the first ~24 MiB
     * (ADR 0094). Each segment's nonce and associated data carry its index and whether it is the last,
     * so segments cannot be reordered, dropped or cut off unnoticed.
     */
    static final int SEGMENT = 64 * 1024;
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

    /** keys[g - 1] is key generation g. */
    private final SecretKeySpec[] keys;
    private final byte[] volume;

    private static final java.util.concurrent.atomic.AtomicBoolean WARMED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Runs a few thousand small GCM calls under a throwaway key on a background thread, once per JVM:
     * the JIT then compiles the JDK's AES-GCM intrinsics (about 0.4 s of CPU here) before the first
     * block needs them, instead of leaving the first ~25 MiB at tens of MiB/s (ADR 0094).
     */
    private static void warmUp() {
        if (!WARMED.compareAndSet(false, true)) return;
        Thread.ofPlatform().daemon().priority(Thread.MIN_PRIORITY).name("tarn-gcm-warm-up").start(() -> {
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                SecretKeySpec k = new SecretKeySpec(new byte[KEY_BYTES], "AES");
                byte[] in = new byte[8192], out = new byte[8192 + TAG_BYTES], nonce = new byte[NONCE_BYTES];
                for (int i = 0; i < 3000; i++) {
                    nonce[0] = (byte) i;
                    nonce[1] = (byte) (i >>> 8);
                    c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
                    c.updateAAD(nonce);
                    c.doFinal(in, 0, in.length, out, 0);
                    c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
                    c.updateAAD(nonce);
                    c.doFinal(out, 0, out.length, in, 0);
                }
            } catch (GeneralSecurityException e) {
                // Only a warm-up: the real calls report their own failures.
            }
        });
    }

    /** A cipher with one key generation. */
    public BlockCipher(byte[] key, String volumeUuid) {
        this(new byte[][] {key}, volumeUuid);
    }

    /** {@code keys[g - 1]} is the key of generation g; the last is the one new objects use. */
    public BlockCipher(byte[][] keys, String volumeUuid) {
        if (keys.length == 0 || keys.length > 0xffff) throw new IllegalArgumentException("1 to 65535 key generations, not " + keys.length);
        this.keys = new SecretKeySpec[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].length != KEY_BYTES) throw new IllegalArgumentException("an AES-256 key has 32 bytes, not " + keys[i].length);
            this.keys[i] = new SecretKeySpec(keys[i], "AES");
        }
        this.volume = volumeUuid.getBytes(StandardCharsets.UTF_8);
        warmUp();
    }

    /** The generation new objects are encrypted with. */
    int newestGeneration() {
        return keys.length;
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
            c.init(Cipher.ENCRYPT_MODE, keys[keys.length - 1], new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(volume);
            c.updateAAD(header, 0, headerLen);
            return c.doFinal(src, off, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    static int segments(int bodyLength) {
        return Math.max(1, (bodyLength + SEGMENT - 1) / SEGMENT);
    }

    /** The payload length of a segmented object whose body (compressed or plain bytes) has {@code bodyLength} bytes. */
    static int payloadLength(int bodyLength) {
        return bodyLength + TAG_BYTES * segments(bodyLength);
    }

    private static byte[] segmentNonce(byte[] nonce, int index) {
        byte[] n = nonce.clone();
        for (int b = 0; b < 4; b++) n[NONCE_BYTES - 1 - b] ^= (byte) (index >>> (8 * b));
        return n;
    }

    private static byte[] segmentAad(int index, boolean last) {
        return new byte[] {(byte) (index >>> 24), (byte) (index >>> 16), (byte) (index >>> 8), (byte) index, (byte) (last ? 1 : 0)};
    }

    /**
     * Encrypts the body {@code src[off, off+len)} into {@code out} at {@code outOff} as segments with the
     * newest key; returns the payload length. The last segment goes first, so the body may lie in
     * {@code out} at {@code outOff} itself (each segment's output only reaches into segments already done).
     */
    int encryptSegments(byte[] nonce, byte[] header, byte[] src, int off, int len, byte[] out, int outOff) {
        int n = segments(len);
        try {
            Cipher c = GCM.get();
            for (int i = n - 1; i >= 0; i--) {
                int from = i * SEGMENT, l = Math.min(SEGMENT, len - from);
                c.init(Cipher.ENCRYPT_MODE, keys[keys.length - 1], new GCMParameterSpec(TAG_BITS, segmentNonce(nonce, i)));
                c.updateAAD(volume);
                c.updateAAD(header);
                c.updateAAD(segmentAad(i, i == n - 1));
                c.doFinal(src, off + from, l, out, outOff + from + i * TAG_BYTES);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return payloadLength(len);
    }

    /** The body of a segmented payload {@code src[off, off+len)}; {@link BlockFormat.Corrupt} naming the segment that does not authenticate. */
    byte[] decryptSegments(int generation, byte[] nonce, byte[] header, byte[] src, int off, int len) {
        if (len < TAG_BYTES) throw new BlockFormat.Corrupt("payload shorter than the GCM tag");
        if (nonce.length != NONCE_BYTES) throw new BlockFormat.Corrupt("nonce of " + nonce.length + " bytes, AES-GCM uses " + NONCE_BYTES);
        int n = (int) ((len + (long) SEGMENT + TAG_BYTES - 1) / (SEGMENT + TAG_BYTES));
        int bodyLen = len - n * TAG_BYTES;
        if (bodyLen < 0 || payloadLength(bodyLen) != len) throw new BlockFormat.Corrupt("payload length " + len + " is not whole GCM segments");
        SecretKeySpec key = key(generation);
        byte[] body = new byte[bodyLen];
        int i = 0;
        try {
            Cipher c = GCM.get();
            for (; i < n; i++) {
                int from = i * SEGMENT, l = Math.min(SEGMENT, bodyLen - from);
                c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, segmentNonce(nonce, i)));
                c.updateAAD(volume);
                c.updateAAD(header);
                c.updateAAD(segmentAad(i, i == n - 1));
                c.doFinal(src, off + from + i * TAG_BYTES, l + TAG_BYTES, body, from);
            }
            return body;
        } catch (AEADBadTagException e) {
            // The payload CRC already passed, so this is not storage rot (see decrypt).
            throw new BlockFormat.Corrupt("segment " + i + " does not authenticate (wrong key, or the object was altered or moved)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private SecretKeySpec key(int generation) {
        // Generation 0: an object written before key generations were recorded, under generation 1.
        int g = Math.max(1, generation);
        if (g > keys.length)
            throw new BlockFormat.Corrupt("encrypted with key generation " + g + ", but this client holds generations 1-" + keys.length);
        return keys[g - 1];
    }

    /** The plain bytes of {@code src[off, off+len)} (ciphertext then tag); {@link BlockFormat.Corrupt} if it does not authenticate. */
    byte[] decrypt(int generation, byte[] nonce, byte[] header, int headerLen, byte[] src, int off, int len) {
        if (len < TAG_BYTES) throw new BlockFormat.Corrupt("payload shorter than the GCM tag");
        if (nonce.length != NONCE_BYTES) throw new BlockFormat.Corrupt("nonce of " + nonce.length + " bytes, AES-GCM uses " + NONCE_BYTES);
        SecretKeySpec key = key(generation);
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
