package io.tarn.client.crypt;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * Deterministic authenticated encryption of names, symlink targets and xattr values (ADR 0093), in the
 * SIV style (RFC 5297's construction with HMAC-SHA256 for S2V): the IV is the first 16 bytes of
 * HMAC(macKey, context + plaintext), the ciphertext is AES-256-CTR under that IV, and opening
 * recomputes the IV, so any change is detected. Deterministic on purpose: the same name in the same
 * directory always encrypts the same way, so the server can still look names up and keep them unique.
 * The context binds a name to its directory's inode (a name moved to another directory by the server
 * does not open), an xattr value to its inode and attribute name.
 *
 * <p>Names are sent as unpadded base64url (A-Z a-z 0-9 - _), never '/', NUL, "." or "..": with the
 * 16-byte IV, a 255-byte stored name leaves {@link #NAME_MAX} bytes for the plain name.
 */
public final class NameCipher {
    static final int IV = 16;
    /** The longest plain name (bytes of UTF-8) whose encoding fits in 255 bytes. */
    public static final int NAME_MAX = 255 * 3 / 4 - IV;
    /** The longest plain symlink target whose encoding stays under PATH_MAX (4096). */
    public static final int TARGET_MAX = 4095 * 3 / 4 - IV;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final System.Logger LOG = System.getLogger(NameCipher.class.getName());

    private final SecretKeySpec macKey, encKey;
    private final ThreadLocal<Mac> macs;
    private final ThreadLocal<Cipher> ctrs = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no AES/CTR", e);
        }
    });

    NameCipher(byte[] root, String volumeUuid) {
        this.macKey = new SecretKeySpec(derive(root, "tarn names mac " + volumeUuid), "HmacSHA256");
        this.encKey = new SecretKeySpec(derive(root, "tarn names enc " + volumeUuid), "AES");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(macKey);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK has no HmacSHA256", e);
            }
        });
    }

    private static byte[] derive(byte[] root, String label) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(root, "HmacSHA256"));
            return m.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }

    byte[] seal(byte[] context, byte[] plain) {
        byte[] iv = iv(context, plain);
        byte[] out = Arrays.copyOf(iv, IV + plain.length);
        ctr(iv, plain, 0, plain.length, out, IV);
        return out;
    }

    /** The plain bytes, or null if {@code sealed} was not made by this key for this context. */
    byte[] open(byte[] context, byte[] sealed) {
        if (sealed.length < IV) return null;
        byte[] iv = Arrays.copyOf(sealed, IV);
        byte[] plain = new byte[sealed.length - IV];
        ctr(iv, sealed, IV, plain.length, plain, 0);
        return MessageDigest.isEqual(iv, iv(context, plain)) ? plain : null;
    }

    private byte[] iv(byte[] context, byte[] plain) {
        Mac m = macs.get();
        m.update(ByteBuffer.allocate(4).putInt(context.length).array());
        m.update(context);
        m.update(plain);
        return Arrays.copyOf(m.doFinal(), IV);
    }

    private void ctr(byte[] iv, byte[] in, int off, int len, byte[] out, int outOff) {
        try {
            Cipher c = ctrs.get();
            c.init(Cipher.ENCRYPT_MODE, encKey, new IvParameterSpec(iv));
            c.doFinal(in, off, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e);
        }
    }

    private static byte[] context(char kind, long ino, String extra) {
        byte[] e = extra.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + e.length).put((byte) kind).putLong(ino).put(e).array();
    }

    /** The name stored for {@code name} in directory {@code parent}; ENAMETOOLONG past {@link #NAME_MAX} bytes. */
    public String encryptName(long parent, String name) {
        byte[] p = name.getBytes(StandardCharsets.UTF_8);
        if (p.length > NAME_MAX)
            throw FsException.of(Errno.ENAMETOOLONG, "name longer than %d bytes (the limit of a volume with encrypted names)", NAME_MAX);
        return B64.encodeToString(seal(context('n', parent, ""), p));
    }

    /** The plain name of stored name {@code stored} in directory {@code parent}; EIO if it does not open. */
    public String decryptName(long parent, String stored) {
        return new String(openOrFail(context('n', parent, ""), decode(stored), "name in directory " + parent), StandardCharsets.UTF_8);
    }

    public String encryptTarget(String target) {
        byte[] p = target.getBytes(StandardCharsets.UTF_8);
        if (p.length > TARGET_MAX)
            throw FsException.of(Errno.ENAMETOOLONG, "symlink target longer than %d bytes (the limit of a volume with encrypted names)", TARGET_MAX);
        return B64.encodeToString(seal(context('l', 0, ""), p));
    }

    public String decryptTarget(long ino, String stored) {
        return new String(openOrFail(context('l', 0, ""), decode(stored), "symlink target of inode " + ino), StandardCharsets.UTF_8);
    }

    public byte[] encryptXattr(long ino, String name, byte[] value) {
        return seal(context('x', ino, name), value);
    }

    public byte[] decryptXattr(long ino, String name, byte[] stored) {
        return openOrFail(context('x', ino, name), stored, "xattr " + name + " of inode " + ino);
    }

    /** The length of the plain symlink target behind a stored one of {@code storedLength} bytes. */
    public static long plainTargetLength(long storedLength) {
        return Math.max(0, storedLength * 3 / 4 - IV);
    }

    private static byte[] decode(String stored) {
        try {
            return B64D.decode(stored);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private byte[] openOrFail(byte[] context, byte[] sealed, String what) {
        byte[] p = open(context, sealed);
        if (p == null) {
            FsException e = FsException.of(Errno.EIO, "encrypted %s does not authenticate (wrong key, or altered or moved on the server)", what);
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            throw e;
        }
        return p;
    }
}
