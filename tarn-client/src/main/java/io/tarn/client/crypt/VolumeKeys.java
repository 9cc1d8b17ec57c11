package io.tarn.client.crypt;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.client.block.BlockCipher;

import java.util.Arrays;

/**
 * The unlocked keys of one encrypted volume on a client (ADR 0092): every key generation, recovered
 * from the newest one that the user supplies, because each generation's key is stored wrapped under
 * the next. The user thus keeps one key file or passphrase per volume; after a rotation only the new
 * one. Never logged, never sent.
 */
public final class VolumeKeys {
    private final VolumeInfo volume;
    /** keys[g - 1] is generation g's key. */
    private final byte[][] keys;

    private VolumeKeys(VolumeInfo volume, byte[][] keys) {
        this.volume = volume;
        this.keys = keys;
    }

    /**
     * The keys of {@code v} from {@code source}, which must give the newest generation's key; null for an
     * unencrypted volume opened without a key. Refuses, with one line naming the volume only: a missing
     * key or a wrong one (EACCES), a key for an unencrypted volume (EINVAL), a record whose older keys do
     * not unwrap (EIO). Nothing is touched before this returns.
     */
    public static VolumeKeys unlock(VolumeInfo v, KeySource source) {
        VolumeEncryption e = v.encryption();
        if (!e.enabled()) {
            if (source != null) throw FsException.of(Errno.EINVAL, "volume %s is not encrypted: it takes no %s", v.name(), source.kind());
            return null;
        }
        if (source == null)
            throw FsException.of(Errno.EACCES, "volume %s is encrypted: mount it with -o key-file=PATH or -o passphrase-file=PATH", v.name());
        VolumeEncryption.KeyGeneration newest = e.newest();
        byte[] key = source.key(newest.kdf());
        if (key.length != BlockCipher.KEY_BYTES || !KeyCheck.matches(key, newest.keyCheck())) {
            Arrays.fill(key, (byte) 0);
            throw FsException.of(Errno.EACCES, "wrong %s for encrypted volume %s", source.kind(), v.name());
        }
        byte[][] keys = new byte[e.keys().size()][];
        keys[keys.length - 1] = key;
        for (int g = keys.length; g > 1; g--) {
            byte[] previous = KeyWrap.unwrap(keys[g - 1], g, e.keys().get(g - 1).wrappedPrevious());
            if (previous == null || !KeyCheck.matches(previous, e.keys().get(g - 2).keyCheck()))
                throw FsException.of(Errno.EIO, "volume %s: key generation %d does not unwrap from generation %d (damaged volume record)",
                        v.name(), g - 1, g);
            keys[g - 2] = previous;
        }
        return new VolumeKeys(v, keys);
    }

    /** Generation 1 of a new encrypted volume, for {@code key} (derived by {@code kdf}, or from a key file if null). */
    public static VolumeEncryption.KeyGeneration firstGeneration(byte[] key, VolumeEncryption.Kdf kdf) {
        return new VolumeEncryption.KeyGeneration(1, KeyCheck.of(key), null, kdf);
    }

    /** The generation after the newest, for {@code newKey}: its check value and the current newest key wrapped under it. */
    public VolumeEncryption.KeyGeneration nextGeneration(byte[] newKey, VolumeEncryption.Kdf kdf) {
        if (newKey.length != BlockCipher.KEY_BYTES) throw new IllegalArgumentException("a volume key has 32 bytes");
        for (byte[] k : keys)
            if (Arrays.equals(k, newKey)) throw FsException.of(Errno.EINVAL, "the new key is already a key of volume %s", volume.name());
        int g = keys.length + 1;
        return new VolumeEncryption.KeyGeneration(g, KeyCheck.of(newKey), KeyWrap.wrap(newKey, g, keys[keys.length - 1]), kdf);
    }

    public int newestGeneration() {
        return keys.length;
    }

    /** The block cipher: new objects under the newest generation, old ones readable under theirs. */
    public BlockCipher blockCipher() {
        return new BlockCipher(keys, volume.uuid());
    }

    /** The cipher for names, symlink targets and xattr values, or null if the volume does not encrypt them. */
    public NameCipher names() {
        // From generation 1, so names stay the same (and findable) across key rotations.
        return volume.encryption().encryptNames() ? new NameCipher(keys[0], volume.uuid()) : null;
    }

    public VolumeInfo volume() {
        return volume;
    }
}
