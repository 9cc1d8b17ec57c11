package io.tarn.client.crypt;

import io.tarn.api.VolumeEncryption;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.security.SecureRandom;

/**
 * Argon2id (RFC 9106) from Bouncy Castle: the JDK has no memory-hard KDF. The defaults (64 MiB, 3
 * passes, 1 lane) take about half a second on this machine and follow RFC 9106's second recommended
 * option; they are stored per key generation, so they can be raised later without breaking old volumes.
 */
public final class Argon2 {
    public static final int DEFAULT_MEMORY_KIB = 64 * 1024, DEFAULT_ITERATIONS = 3, DEFAULT_PARALLELISM = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Argon2() {}

    /** Parameters with a fresh random 16-byte salt. */
    public static VolumeEncryption.Kdf newParams(int memoryKiB, int iterations, int parallelism) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new VolumeEncryption.Kdf(VolumeEncryption.Kdf.ARGON2ID, salt, memoryKiB, iterations, parallelism);
    }

    /** A 256-bit key from {@code passphrase} (UTF-8 bytes) with {@code kdf}'s salt and parameters. */
    public static byte[] derive(byte[] passphrase, VolumeEncryption.Kdf kdf) {
        Argon2Parameters p = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(kdf.salt())
                .withMemoryAsKB(kdf.memoryKiB())
                .withIterations(kdf.iterations())
                .withParallelism(kdf.parallelism())
                .build();
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(p);
        byte[] key = new byte[32];
        g.generateBytes(passphrase, key);
        return key;
    }
}
