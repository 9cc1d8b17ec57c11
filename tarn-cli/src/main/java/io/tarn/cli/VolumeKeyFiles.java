package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeEncryption;
import io.tarn.client.crypt.Argon2;
import io.tarn.client.crypt.KeySource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The key options shared by {@code volume create}, {@code mount} and {@code key rotate}: a key file or
 * a passphrase file (never the secret itself on the command line, where ps and shell history would
 * show it), and the Argon2id cost of a new passphrase-derived key.
 */
final class VolumeKeyFiles {
    private VolumeKeyFiles() {}

    /** The source named by at most one of the two paths; null if neither. */
    static KeySource source(Path keyFile, Path passphraseFile, String keyOption, String passphraseOption) {
        if (keyFile != null && passphraseFile != null)
            throw FsException.of(Errno.EINVAL, "give %s or %s, not both", keyOption, passphraseOption);
        if (keyFile != null) return new KeySource.KeyFile(existing(keyFile, "key file", "create one with: tarn key create " + keyFile));
        if (passphraseFile != null) return new KeySource.PassphraseFile(existing(passphraseFile, "passphrase file", "its first line is the passphrase"));
        return null;
    }

    private static Path existing(Path p, String what, String hint) {
        Path abs = p.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) throw FsException.of(Errno.ENOENT, "%s %s does not exist (%s)", what, abs, hint);
        return abs;
    }

    /** A new key generation's key and KDF parameters (null for a key file) from {@code source}. */
    record NewKey(byte[] key, VolumeEncryption.Kdf kdf) {
        void wipe() {
            Arrays.fill(key, (byte) 0);
        }
    }

    static NewKey newKey(KeySource source, String kdfMemory, int kdfPasses) {
        if (source instanceof KeySource.PassphraseFile) {
            long kib = Sizes.bytes(kdfMemory) / 1024;
            if (kib < 8 || kib > (4L << 20)) throw FsException.of(Errno.EINVAL, "--kdf-memory must be 8K to 4G, not %s", kdfMemory);
            VolumeEncryption.Kdf kdf = Argon2.newParams((int) kib, kdfPasses, Argon2.DEFAULT_PARALLELISM);
            return new NewKey(source.key(kdf), kdf);
        }
        return new NewKey(source.key(null), null);
    }
}
