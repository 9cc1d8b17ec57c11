package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.rpc.tls.Tls;
import io.tarn.server.MetadataServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tarn meta}: runs the metadata server in the foreground until killed. On a loopback address it
 * needs no setup; on any other address it requires access tokens unless told otherwise, and wants TLS
 * (docs/adr/0100-transport-security-and-tokens.md).
 */
@Command(name = "meta", mixinStandardHelpOptions = true,
        description = "Run the metadata server (RocksDB in DIR) in the foreground.")
final class MetaCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Folder of the metadata store.")
    Path data;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7470", paramLabel = "HOST:PORT",
            description = "Address to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Mixin
    ServerTlsOptions serverTls = new ServerTlsOptions();

    @Option(names = "--auth", paramLabel = "token|none",
            description = "token: every call needs a valid access token; none: trust every client. "
                    + "Default: none on a loopback address, token on any other.")
    String auth;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "With --auth token: where a first admin token is written if the file does not exist (default: DIR.admin-token).")
    Path adminTokenFile;

    @Option(names = "--session-timeout", defaultValue = "60s", paramLabel = "DURATION",
            description = "End a client session, releasing its opens and locks, this long after its last heartbeat (default: ${DEFAULT-VALUE}).")
    String sessionTimeout;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress addr = HostPort.parse(listen);
        java.time.Duration timeout;
        try {
            timeout = io.tarn.client.ClientConfig.duration(sessionTimeout);
        } catch (NumberFormatException e) {
            timeout = java.time.Duration.ZERO;
        }
        if (timeout.isZero() || timeout.isNegative())
            throw FsException.of(Errno.EINVAL, "--session-timeout must be positive, not %s", sessionTimeout);
        boolean loopback = addr.getAddress() != null && addr.getAddress().isLoopbackAddress();
        boolean tokens = switch (auth == null ? (loopback ? "none" : "token") : auth) {
            case "token" -> true;
            case "none" -> false;
            default -> throw FsException.of(Errno.EINVAL, "--auth must be token or none, not %s", auth);
        };
        Tls tls = serverTls.tls();
        Path dir = data.toAbsolutePath();
        Path adminFile = !tokens ? null : adminTokenFile != null ? adminTokenFile.toAbsolutePath()
                : dir.resolveSibling(dir.getFileName() + ".admin-token");
        if (!loopback && tls == null)
            System.err.println("tarn meta: WARNING: serving " + listen + " without TLS: tokens and metadata cross the network in clear "
                    + "(give --tls-cert and --tls-key; tarn cert makes a test set)");
        if (!loopback && !tokens)
            System.err.println("tarn meta: WARNING: --auth none on " + listen + ": anyone who reaches the port may act as any user");
        try (MetadataServer server = MetadataServer.start(dir, addr, new MetadataServer.Security(tls, tokens, adminFile), timeout)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "tarn-meta-shutdown"));
            System.err.printf("tarn meta: serving %s on %s:%d (%s, %s)%n", dir, addr.getHostString(), server.port(),
                    tls == null ? "plain TCP" : "TLS", tokens ? "access tokens required; admin token in " + adminFile : "no access token required");
            server.awaitTermination();
        }
        return 0;
    }
}
