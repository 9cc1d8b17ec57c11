package io.tarn.cli;

import io.tarn.client.block.BlockCipher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tarn key}: client-side keys of encrypted volumes (ADR 0090). Keys never go to a server. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage volume encryption keys (kept on the client).",
        subcommands = KeyCommand.Create.class)
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
}
