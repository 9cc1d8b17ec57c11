package io.tarn.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * How a volume's data is encrypted on its clients (ADR 0091). It holds no key: only what a client
 * needs to recognise its key (a check value per key generation), to derive it from a passphrase
 * (Argon2id salt and parameters), and to recover older generations from the newest one (each
 * generation's key wrapped under the next). The metadata server stores it and never sees a key.
 *
 * @param cipher       "none" or "aes-256-gcm"
 * @param encryptNames whether file names, symlink targets and user xattr values are encrypted by the
 *                     client before they are sent (ADR 0093)
 * @param keys         the key generations, oldest first, numbered from 1; new writes use the last
 */
public record VolumeEncryption(String cipher, boolean encryptNames, List<KeyGeneration> keys) {
    public static final String NONE_CIPHER = "none", AES_GCM = "aes-256-gcm";
    public static final VolumeEncryption NONE = new VolumeEncryption(NONE_CIPHER, false, List.of());
    public static final int KEY_CHECK_BYTES = 32, WRAPPED_KEY_BYTES = 12 + 32 + 16;
    private static final int MAX_GENERATIONS = 1000;

    public VolumeEncryption {
        if (cipher == null) cipher = NONE_CIPHER;
        keys = keys == null ? List.of() : List.copyOf(keys);
        if (cipher.equals(NONE_CIPHER)) {
            if (!keys.isEmpty() || encryptNames)
                throw FsException.of(Errno.EINVAL, "an unencrypted volume has no keys and cannot encrypt names");
        } else if (cipher.equals(AES_GCM)) {
            if (keys.isEmpty()) throw FsException.of(Errno.EINVAL, "an encrypted volume needs a key check value");
            if (keys.size() > MAX_GENERATIONS) throw FsException.of(Errno.EINVAL, "more than %d key generations", MAX_GENERATIONS);
            for (int i = 0; i < keys.size(); i++) {
                KeyGeneration k = keys.get(i);
                if (k.generation() != i + 1)
                    throw FsException.of(Errno.EINVAL, "key generations must be numbered 1, 2, ... in order, not %d at %d", k.generation(), i + 1);
                if ((k.wrappedPrevious == null) != (i == 0))
                    throw FsException.of(Errno.EINVAL, "key generation %d must %s the previous key", k.generation(), i == 0 ? "not wrap" : "wrap");
            }
        } else {
            throw FsException.of(Errno.EINVAL, "cipher must be none or %s, not %s", AES_GCM, cipher);
        }
    }

    /** A new encrypted volume's settings with its first key generation. */
    public static VolumeEncryption aesGcm(boolean encryptNames, KeyGeneration first) {
        return new VolumeEncryption(AES_GCM, encryptNames, List.of(first));
    }

    public boolean enabled() {
        return !cipher.equals(NONE_CIPHER);
    }

    /** The generation new writes use; only for an encrypted volume. */
    public KeyGeneration newest() {
        if (keys.isEmpty()) throw FsException.of(Errno.EINVAL, "volume is not encrypted");
        return keys.getLast();
    }

    /** This encryption with one more key generation. */
    public VolumeEncryption with(KeyGeneration next) {
        List<KeyGeneration> all = new java.util.ArrayList<>(keys);
        all.add(next);
        return new VolumeEncryption(cipher, encryptNames, all);
    }

    /** What {@code tarn volume info} shows (nothing secret). */
    public String describe() {
        if (!enabled()) return "none";
        KeyGeneration k = newest();
        return cipher + ", key generation " + k.generation() + " (" + (k.kdf() == null ? "key file" : "passphrase, " + k.kdf().describe())
                + ")" + (encryptNames ? ", names encrypted" : "");
    }

    /**
     * One key generation: the check value that recognises its key ({@value #KEY_CHECK_BYTES} bytes), the
     * previous generation's key wrapped under this one (null for generation 1), and how the key is
     * derived from a passphrase (null when it comes from a key file).
     */
    public record KeyGeneration(int generation, byte[] keyCheck, byte[] wrappedPrevious, Kdf kdf) {
        public KeyGeneration {
            if (generation < 1) throw FsException.of(Errno.EINVAL, "key generation must be at least 1, not %d", generation);
            if (keyCheck == null || keyCheck.length != KEY_CHECK_BYTES)
                throw FsException.of(Errno.EINVAL, "a key check value has %d bytes", KEY_CHECK_BYTES);
            keyCheck = keyCheck.clone();
            if (wrappedPrevious != null) {
                if (wrappedPrevious.length != WRAPPED_KEY_BYTES) throw FsException.of(Errno.EINVAL, "a wrapped key has %d bytes", WRAPPED_KEY_BYTES);
                wrappedPrevious = wrappedPrevious.clone();
            }
        }

        @Override
        public byte[] keyCheck() {
            return keyCheck.clone();
        }

        @Override
        public byte[] wrappedPrevious() {
            return wrappedPrevious == null ? null : wrappedPrevious.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyGeneration k && k.generation == generation && Arrays.equals(k.keyCheck, keyCheck)
                    && Arrays.equals(k.wrappedPrevious, wrappedPrevious) && Objects.equals(k.kdf, kdf);
        }

        @Override
        public int hashCode() {
            return Objects.hash(generation, Arrays.hashCode(keyCheck), Arrays.hashCode(wrappedPrevious), kdf);
        }

        @Override
        public String toString() {
            return "KeyGeneration[" + generation + ", check " + HexFormat.of().formatHex(keyCheck)
                    + (kdf == null ? ", key file" : ", " + kdf) + "]";
        }
    }

    /** A passphrase key derivation: algorithm ("argon2id"), salt (16-64 bytes), memory in KiB, passes, lanes. */
    public record Kdf(String algorithm, byte[] salt, int memoryKiB, int iterations, int parallelism) {
        public static final String ARGON2ID = "argon2id";

        public Kdf {
            if (!ARGON2ID.equals(algorithm)) throw FsException.of(Errno.EINVAL, "key derivation must be %s, not %s", ARGON2ID, algorithm);
            if (salt == null || salt.length < 16 || salt.length > 64) throw FsException.of(Errno.EINVAL, "a KDF salt has 16 to 64 bytes");
            if (parallelism < 1 || parallelism > 64) throw FsException.of(Errno.EINVAL, "Argon2 parallelism must be 1-64");
            if (memoryKiB < 8 * parallelism || memoryKiB > 4 << 20) throw FsException.of(Errno.EINVAL, "Argon2 memory must be 8*lanes KiB to 4 GiB");
            if (iterations < 1 || iterations > 100) throw FsException.of(Errno.EINVAL, "Argon2 passes must be 1-100");
            salt = salt.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        public String describe() {
            return algorithm + " m=" + memoryKiB + "KiB t=" + iterations + " p=" + parallelism;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Kdf k && k.algorithm.equals(algorithm) && Arrays.equals(k.salt, salt) && k.memoryKiB == memoryKiB
                    && k.iterations == iterations && k.parallelism == parallelism;
        }

        @Override
        public int hashCode() {
            return Objects.hash(algorithm, Arrays.hashCode(salt), memoryKiB, iterations, parallelism);
        }

        @Override
        public String toString() {
            return "Kdf[" + describe() + "]";
        }
    }
}
