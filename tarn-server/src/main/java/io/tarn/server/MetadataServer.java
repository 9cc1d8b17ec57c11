package io.tarn.server;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.rocksdb.RocksDbCheckpoints;
import io.tarn.meta.rocksdb.RocksDbKvStore;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.meta.KvAccessTokens;
import io.tarn.rpc.RpcServer;
import io.tarn.rpc.ServerSecurity;
import io.tarn.rpc.tls.Tls;
import io.tarn.server.gc.BackgroundCollector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static java.lang.System.Logger.Level.INFO;

/**
 * A running metadata server: RocksDB at a data directory, {@link LocalMetaService} over it, and an
 * {@link RpcServer} on a host and port. {@code tarn meta --data DIR --listen HOST:PORT} is
 * {@code start(DIR, HOST:PORT)} then {@link #awaitTermination()}. Closing stops the listener,
 * waits for running calls, then closes the store; clients ride through a restart on the same port.
 */
public final class MetadataServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetadataServer.class.getName());

    /**
     * How a server protects itself (ADR 0100): TLS (null: plain TCP), whether every call needs an
     * access token, and where to write a first admin token when tokens are required and the file does
     * not exist yet (null: write none).
     */
    public record Security(Tls tls, boolean tokensRequired, Path adminTokenFile) {
        public static final Security NONE = new Security(null, false, null);
    }

    private final Path dataDir;
    private final LocalMetaService service;
    private final KvAccessTokens tokens;
    private final RpcServer rpc;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile BackgroundCollector collector;

    /** Where the checkpoints of the store at {@code dataDir} live: a sibling folder {@code <dataDir>.checkpoints}. */
    public static Path checkpointDir(Path dataDir) {
        Path abs = dataDir.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".checkpoints");
    }

    private MetadataServer(Path dataDir, LocalMetaService service, KvAccessTokens tokens, RpcServer rpc) {
        this.dataDir = dataDir;
        this.service = service;
        this.tokens = tokens;
        this.rpc = rpc;
    }

    /**
     * Opens (or creates) the store at {@code dataDir} and listens on {@code listen} (port 0: any free
     * port). Fails with a one-line FsException if the store cannot be opened (for example, another
     * server holds it) or the address cannot be bound.
     */
    public static MetadataServer start(Path dataDir, InetSocketAddress listen) {
        return start(dataDir, listen, Security.NONE);
    }

    /** As {@link #start(Path, InetSocketAddress)}, with TLS and access tokens as {@code security} says. */
    public static MetadataServer start(Path dataDir, InetSocketAddress listen, Security security) {
        return start(dataDir, listen, security, LocalMetaService.DEFAULT_SESSION_TIMEOUT);
    }

    /**
     * As {@link #start(Path, InetSocketAddress, Security)}, ending client sessions (and releasing their
     * opens and locks) {@code sessionTimeout} after their last heartbeat.
     */
    public static MetadataServer start(Path dataDir, InetSocketAddress listen, Security security, Duration sessionTimeout) {
        RocksDbKvStore kv = RocksDbKvStore.open(dataDir);
        LocalMetaService service;
        KvAccessTokens tokens = new KvAccessTokens(kv, Clock.systemUTC());
        try {
            service = new LocalMetaService(kv, Clock.systemUTC(), sessionTimeout,
                    new RocksDbCheckpoints(kv, checkpointDir(dataDir)));
        } catch (RuntimeException e) {
            kv.close();
            throw e;
        }
        RpcServer rpc;
        try {
            if (security.tokensRequired() && security.adminTokenFile() != null) writeAdminToken(tokens, security.adminTokenFile());
            rpc = RpcServer.start(service, listen, new ServerSecurity(security.tls(), tokens, security.tokensRequired()));
        } catch (UncheckedIOException e) {
            service.close();
            throw new FsException(Errno.EIO, e.getMessage());
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        LOG.log(INFO, "metadata server serving {0} on {1}", dataDir, rpc.address());
        MetadataServer server = new MetadataServer(dataDir, service, tokens, rpc);
        server.collector = BackgroundCollector.start(service);
        return server;
    }

    /**
     * Bootstraps a locked-down server: with no admin token file yet, issues an admin token and writes
     * it there, readable by its owner only, so the operator can create volumes and tokens remotely.
     */
    private static void writeAdminToken(KvAccessTokens tokens, Path file) {
        if (Files.exists(file)) return;
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".admin-token", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            IssuedToken t = tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0));
            Files.writeString(tmp, t.secret() + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            LOG.log(INFO, "issued admin access token {0} and wrote it to {1}", t.info().id(), file);
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "cannot write the admin token to %s: %s", file, e.getMessage());
        }
    }

    /** The token store of this server, for in-process use. */
    public AccessTokens tokens() {
        return tokens;
    }

    /** Parses {@code HOST:PORT} ({@code [v6addr]:PORT} for IPv6) as the CLI's --listen takes it; EINVAL if malformed. */
    public static InetSocketAddress parseListen(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon < 0) throw FsException.of(Errno.EINVAL, "listen address must be HOST:PORT, not %s", hostPort);
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = "0.0.0.0";
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) throw FsException.of(Errno.EINVAL, "listen port must be 0-65535 in %s", hostPort);
        return new InetSocketAddress(host, port);
    }

    public int port() {
        return rpc.port();
    }

    public InetSocketAddress address() {
        return rpc.address();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The engine this server serves, for in-process use (embedded mode, benchmarks). */
    public MetaService service() {
        return service;
    }

    /**
     * Closes this server when the JVM is asked to stop (SIGTERM, SIGINT), so running calls finish and
     * the store closes cleanly; for {@code tarn meta}. Returns this.
     */
    public MetadataServer closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "tarn-meta-shutdown"));
        return this;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** As {@link #awaitTermination()}, at most {@code limit}; true if the server has terminated. */
    public boolean awaitTermination(Duration limit) throws InterruptedException {
        return terminated.await(limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops serving, waits for running calls, closes the store. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (terminated.getCount() == 0) return;
            try {
                if (collector != null) collector.close();
                rpc.close();
            } finally {
                service.close();
                terminated.countDown();
                LOG.log(INFO, "metadata server on {0} stopped", dataDir);
            }
        }
    }
}
