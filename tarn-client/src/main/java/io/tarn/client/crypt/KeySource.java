package io.tarn.client.crypt;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeEncryption;
import io.tarn.client.block.BlockCipher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where a client's volume key comes from: a key file of 32 random bytes ({@code tarn key create}), or
 * a passphrase file whose first line is stretched with Argon2id using the parameters the volume
 * records. Only the path is held; the secret is read when needed and its copies are zeroed after use.
 */
public sealed interface KeySource {

    /** The key for a generation derived by {@code kdf} (null: the generation uses a key file). */
    byte[] key(VolumeEncryption.Kdf kdf);

    /** "key file" or "passphrase", for messages. */
    String kind();

    record KeyFile(Path path) implements KeySource {
        @Override
        public byte[] key(VolumeEncryption.Kdf kdf) {
            if (kdf != null) throw FsException.of(Errno.EACCES, "this volume key comes from a passphrase: use a passphrase file, not key file %s", path);
            try {
                return BlockCipher.readKeyFile(path);
            } catch (NoSuchFileException e) {
                throw FsException.of(Errno.ENOENT, "key file %s does not exist", path);
            } catch (IOException e) {
                throw FsException.of(Errno.EACCES, "cannot read key file %s: %s", path, e.getMessage());
            }
        }

        @Override
        public String kind() {
            return "key file";
        }
    }

    record PassphraseFile(Path path) implements KeySource {
        @Override
        public byte[] key(VolumeEncryption.Kdf kdf) {
            if (kdf == null) throw FsException.of(Errno.EACCES, "this volume key comes from a key file: use a key file, not passphrase file %s", path);
            byte[] p = passphrase();
            try {
                return Argon2.derive(p, kdf);
            } finally {
                Arrays.fill(p, (byte) 0);
            }
        }

        /** The first line of the file (without its line end); EINVAL if empty. */
        byte[] passphrase() {
            byte[] all;
            try {
                all = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw FsException.of(Errno.ENOENT, "passphrase file %s does not exist", path);
            } catch (IOException e) {
                throw FsException.of(Errno.EACCES, "cannot read passphrase file %s: %s", path, e.getMessage());
            }
            int end = 0;
            while (end < all.length && all[end] != '\n') end++;
            if (end > 0 && all[end - 1] == '\r') end--;
            byte[] p = Arrays.copyOf(all, end);
            Arrays.fill(all, (byte) 0);
            if (p.length == 0) throw FsException.of(Errno.EINVAL, "passphrase file %s holds an empty passphrase", path);
            return p;
        }

        @Override
        public String kind() {
            return "passphrase";
        }
    }
}
