package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeInfo;
import io.tarn.client.block.BlockCipher;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.VolumeKeys;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tarn key}: client-side keys of encrypted volumes (ADR 0090-0092). Keys never go to a server. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage volume encryption keys (kept on the client).",
        subcommands = {KeyCommand.Create.class, KeyCommand.Rotate.class})
final class KeyCommand {

    /** {@code tarn key create PATH}: 32 random bytes, mode 0600; refuses to overwrite an existing file. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Write a new random 256-bit key file (mode 0600).")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH") Path path;

        @Override
        public Integer call() throws Exception {
            BlockCipher.createKeyFile(path);
            return 0;
        }
    }

    /**
     * {@code tarn key rotate VOLUME}: adds a key generation. New writes use it (once a client mounts with
     * the new key); blocks written before keep their generation and stay readable, because the previous
     * key is stored wrapped under the new one: from now on only the new key or passphrase is needed.
     */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Add a key generation to an encrypted volume: new writes use the new key, old blocks stay readable with it.")
    static final class Rotate implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VOLUME") String volume;
        @Option(names = "--key-file", paramLabel = "FILE", description = "The volume's current key file.") Path keyFile;
        @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The volume's current passphrase file.") Path passphraseFile;
        @Option(names = "--new-key-file", paramLabel = "FILE", description = "The new key (tarn key create FILE).") Path newKeyFile;
        @Option(names = "--new-passphrase-file", paramLabel = "FILE", description = "The new passphrase (first line of FILE).") Path newPassphraseFile;
        @Option(names = "--kdf-memory", defaultValue = "64M", description = "Argon2id memory for a new passphrase (default: ${DEFAULT-VALUE}).")
        String kdfMemory;
        @Option(names = "--kdf-passes", defaultValue = "3", description = "Argon2id passes for a new passphrase (default: ${DEFAULT-VALUE}).")
        int kdfPasses;

        @Override
        public Integer call() {
            KeySource current = VolumeKeyFiles.source(keyFile, passphraseFile, "--key-file", "--passphrase-file");
            KeySource next = VolumeKeyFiles.source(newKeyFile, newPassphraseFile, "--new-key-file", "--new-passphrase-file");
            if (current == null) throw FsException.of(Errno.EINVAL, "give the current key: --key-file FILE or --passphrase-file FILE");
            if (next == null) throw FsException.of(Errno.EINVAL, "give the new key: --new-key-file FILE or --new-passphrase-file FILE");
            try (MetaConnection mc = meta.connect()) {
                VolumeInfo v = mc.service().volume(volume);
                if (!v.encryption().enabled()) throw FsException.of(Errno.EINVAL, "volume %s is not encrypted", volume);
                VolumeKeys keys = VolumeKeys.unlock(v, current);
                VolumeKeyFiles.NewKey k = VolumeKeyFiles.newKey(next, kdfMemory, kdfPasses);
                try {
                    VolumeInfo after = mc.service().addVolumeKey(volume, keys.nextGeneration(k.key(), k.kdf()));
                    spec.commandLine().getOut().printf("volume %s: key generation %d added (%s); mount with the new %s from now on: "
                                    + "new writes use it, older blocks stay readable with it%n",
                            volume, after.encryption().newest().generation(), after.encryption().describe(), next.kind());
                } finally {
                    k.wipe();
                }
            }
            return 0;
        }
    }
}
