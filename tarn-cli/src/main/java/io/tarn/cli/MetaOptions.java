package io.tarn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a command finds its metadata: a server ({@code --meta HOST:PORT}) or an embedded store in a
 * local folder ({@code --data DIR}, default {@code $TARN_HOME} or {@code ~/.tarn}).
 */
final class MetaOptions {
    @Option(names = "--meta", paramLabel = "HOST:PORT", description = "Metadata server to use.")
    String meta;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Embedded metadata store in this folder (default: $TARN_HOME or ~/.tarn).")
    Path data;

    /** The embedded data folder, when no server was named. */
    Path dataDir() {
        if (data != null) return data.toAbsolutePath();
        String home = System.getenv("TARN_HOME");
        return home != null && !home.isBlank() ? Path.of(home).toAbsolutePath()
                : Path.of(System.getProperty("user.home"), ".tarn");
    }

    boolean embedded() {
        return meta == null;
    }

    MetaConnection connect() {
        if (meta != null && data != null)
            throw io.tarn.api.FsException.of(io.tarn.api.Errno.EINVAL, "give either --meta or --data, not both");
        return embedded() ? MetaConnection.embedded(dataDir()) : MetaConnection.remote(meta);
    }
}
