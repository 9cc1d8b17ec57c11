package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a command finds its metadata: a server ({@code --meta HOST:PORT}) or an embedded store in a
 * local folder ({@code --data DIR}, default {@code $TARN_HOME} or {@code ~/.tarn}). For a server, how
 * to reach it safely: the CA its TLS certificate is checked against and the access token to present
 * (ADR 0100), from options or from the environment.
 */
final class MetaOptions {
    @Option(names = "--meta", paramLabel = "HOST:PORT", description = "Metadata server to use.")
    String meta;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Embedded metadata store in this folder (default: $TARN_HOME or ~/.tarn).")
    Path data;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "With --meta: use TLS, trusting server certificates signed by this CA (PEM; default: $TARN_TLS_CA).")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "With --meta: client certificate (PEM; default: $TARN_TLS_CERT).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "With --meta: key of the client certificate (PKCS#8 PEM; default: $TARN_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "With --meta: access token to present (default: $TARN_TOKEN_FILE, or the token itself in $TARN_TOKEN).")
    Path tokenFile;

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
            throw FsException.of(Errno.EINVAL, "give either --meta or --data, not both");
        return embedded() ? MetaConnection.embedded(dataDir()) : MetaConnection.remote(meta, rpcOptions());
    }

    /** TLS and token for a remote server, options first, then the environment. */
    RpcOptions rpcOptions() {
        RpcOptions o = RpcOptions.defaults();
        Path ca = orEnv(tlsCa, "TARN_TLS_CA"), cert = orEnv(tlsCert, "TARN_TLS_CERT"), key = orEnv(tlsKey, "TARN_TLS_KEY");
        if (ca != null) o = o.withTls(Tls.client(ca, cert, key));
        else if (cert != null || key != null) throw FsException.of(Errno.EINVAL, "a client certificate needs --tls-ca too");
        Path tf = orEnv(tokenFile, "TARN_TOKEN_FILE");
        if (tf != null) return o.withToken(readToken(tf));
        String inEnv = System.getenv("TARN_TOKEN");
        return inEnv != null && !inEnv.isBlank() ? o.withToken(inEnv) : o;
    }

    static String readToken(Path file) {
        try {
            String t = Files.readString(file).strip();
            if (t.isEmpty()) throw FsException.of(Errno.EINVAL, "token file %s is empty", file);
            return t;
        } catch (IOException e) {
            throw FsException.of(Errno.ENOENT, "cannot read token file %s: %s", file, e.getMessage());
        }
    }

    private static Path orEnv(Path given, String env) {
        if (given != null) return given.toAbsolutePath();
        String v = System.getenv(env);
        return v == null || v.isBlank() ? null : Path.of(v).toAbsolutePath();
    }
}
