package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.ObjectStores;
import io.tarn.proxy.ProxyServer;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.Tls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tarn proxy}: a shared write-back block cache in front of one object store, run in the foreground
 * until killed (ADR 0140). Its TLS and token options follow {@code tarn meta}; tokens are checked with the
 * metadata server named by {@code --meta}.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Run a proxy: a shared write-back cache (RAM + local disk) in front of an object store.")
final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:7480", paramLabel = "HOST:PORT",
            description = "Address to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--store", required = true, paramLabel = "URI",
            description = "The object store behind the proxy; the volumes it serves must name the same store.")
    String store;

    @Option(names = "--cache-dir", required = true, paramLabel = "DIR",
            description = "Local disk of the proxy: objects acknowledged and not yet uploaded are staged here.")
    Path cacheDir;

    @Option(names = "--ram-cache", defaultValue = "256M", paramLabel = "SIZE",
            description = "Memory for recently written and read objects (default: ${DEFAULT-VALUE}; 0: none).")
    String ramCache;

    @Option(names = "--staged-max", defaultValue = "10G", paramLabel = "SIZE",
            description = "Most bytes staged and not yet uploaded; writers wait beyond it (default: ${DEFAULT-VALUE}).")
    String stagedMax;

    @Option(names = "--uploaders", defaultValue = "4", paramLabel = "N", description = "Uploads in flight (default: ${DEFAULT-VALUE}).")
    int uploaders;

    @Mixin
    ServerTlsOptions serverTls = new ServerTlsOptions();

    @Option(names = "--auth", paramLabel = "token|none",
            description = "token: every client needs a valid access token, checked with --meta; none: trust every client. "
                    + "Default: none on a loopback address without --meta, token otherwise.")
    String auth;

    @Option(names = "--meta", paramLabel = "HOST:PORT", description = "Metadata server that checks access tokens.")
    String meta;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "With --meta: reach it over TLS, trusting certificates signed by this CA (PEM; default: $TARN_TLS_CA).")
    Path tlsCa;

    @Option(names = "--token-recheck", defaultValue = "10s", paramLabel = "DURATION",
            description = "Ask the metadata server about a token again after this long: the most a revoked token keeps working "
                    + "here (default: ${DEFAULT-VALUE}).")
    String tokenRecheck;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress addr = HostPort.parse(listen);
        boolean loopback = addr.getAddress() != null && addr.getAddress().isLoopbackAddress();
        boolean tokens = switch (auth == null ? (loopback && meta == null ? "none" : "token") : auth) {
            case "token" -> true;
            case "none" -> false;
            default -> throw FsException.of(Errno.EINVAL, "--auth must be token or none, not %s", auth);
        };
        if (tokens && meta == null)
            throw FsException.of(Errno.EINVAL, "--auth token needs --meta HOST:PORT: the metadata server checks the tokens");
        Tls tls = serverTls.tls();
        long ram = Sizes.bytes(ramCache), staged = Sizes.bytes(stagedMax);
        if (staged <= 0) throw FsException.of(Errno.EINVAL, "--staged-max must be positive, not %s", stagedMax);
        if (uploaders < 1) throw FsException.of(Errno.EINVAL, "--uploaders must be at least 1, not %d", uploaders);
        java.time.Duration recheck;
        try {
            recheck = io.tarn.client.ClientConfig.duration(tokenRecheck);
        } catch (NumberFormatException e) {
            throw FsException.of(Errno.EINVAL, "--token-recheck wants a duration such as 10s, not %s", tokenRecheck);
        }
        RpcOptions metaOptions = RpcOptions.defaults();
        Path ca = tlsCa != null ? tlsCa.toAbsolutePath() : envPath("TARN_TLS_CA");
        if (ca != null) metaOptions = metaOptions.withTls(Tls.client(ca, null, null));
        if (meta != null) HostPort.parse(meta);
        if (!loopback && tls == null)
            System.err.println("tarn proxy: WARNING: serving " + listen + " without TLS: tokens and blocks cross the network in clear "
                    + "(give --tls-cert and --tls-key; tarn cert makes a test set)");
        if (!loopback && !tokens)
            System.err.println("tarn proxy: WARNING: --auth none on " + listen + ": anyone who reaches the port may read and write every block");
        ProxyServer.Config config = new ProxyServer.Config(addr, cacheDir.toAbsolutePath(), ram, staged,
                ProxyServer.Config.DEFAULT_FREE_FLOOR, uploaders, tls, meta, metaOptions, tokens, recheck, ProxyServer.Config.DEFAULT_DRAIN);
        CountDownLatch stopped = new CountDownLatch(1);
        try (ProxyServer server = ProxyServer.start(ObjectStores.open(store), store, config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "tarn-proxy-shutdown"));
            System.err.printf("tarn proxy: serving %s on %s:%d (%s, %s), staging in %s%n", store, addr.getHostString(), server.port(),
                    tls == null ? "plain TCP" : "TLS", tokens ? "access tokens checked with " + meta : "no access token required",
                    cacheDir.toAbsolutePath().resolve("staged"));
            stopped.await();
        }
        return 0;
    }

    private static Path envPath(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : Path.of(v).toAbsolutePath();
    }
}
