package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.TokenAdmin;
import io.tarn.cli.mount.Endpoint;
import io.tarn.meta.KvAccessTokens;
import io.tarn.api.kv.KvStore;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.rocksdb.RocksDbCheckpoints;
import io.tarn.meta.rocksdb.RocksDbKvStore;
import io.tarn.server.MetadataServer;
import io.tarn.server.gc.BackgroundCollector;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An open metadata service for one command: remote over RPC, or embedded (RocksDB in a local folder).
 * An embedded folder can be open in one process only (RocksDB locks it); while a mount daemon holds
 * it, the daemon serves RPC on loopback and writes its address to {@code DIR/meta.endpoint}, so other
 * commands on the same folder go through it.
 */
final class MetaConnection implements io.tarn.cli.mount.MountDaemon.Meta {
    static final String ENDPOINT_FILE = "meta.endpoint";

    private final MetaService service;
    private final KvStore kv;
    private final Path dataDir;
    /** Embedded only: garbage collection runs in whichever process holds the store (ADR 0080). */
    private final BackgroundCollector collector;

    private MetaConnection(MetaService service, KvStore kv, Path dataDir) {
        this.service = service;
        this.kv = kv;
        this.dataDir = dataDir;
        this.collector = service instanceof LocalMetaService local ? BackgroundCollector.start(local) : null;
    }

    static MetaConnection remote(String hostPort) {
        return remote(hostPort, RpcOptions.defaults());
    }

    static MetaConnection remote(String hostPort, RpcOptions options) {
        return new MetaConnection(RemoteMetaService.connect(hostPort, options), null, null);
    }

    static MetaConnection embedded(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot create data folder " + dir + ": " + e.getMessage(), e);
        }
        Endpoint live = liveEndpoint(dir);
        if (live != null) return viaDaemon(live, dir);
        RocksDbKvStore kv;
        try {
            kv = RocksDbKvStore.open(dir.resolve("meta"));
        } catch (RuntimeException e) {
            live = liveEndpoint(dir);
            if (live != null) return viaDaemon(live, dir);
            throw new FsException(Errno.EBUSY, "cannot open the metadata store in " + dir + " (in use by another tarn process?): "
                    + Main.oneLine(e), e);
        }
        LocalMetaService local = new LocalMetaService(kv, java.time.Clock.systemUTC(), LocalMetaService.DEFAULT_SESSION_TIMEOUT,
                new RocksDbCheckpoints(kv, MetadataServer.checkpointDir(dir.resolve("meta"))));
        // No daemon serves this store, so no client of an earlier session can come back to reclaim locks.
        local.noLockReclaims();
        return new MetaConnection(local, kv, dir);
    }

    /** Through the daemon that holds the folder, with the owner's secret from its endpoint file. */
    private static MetaConnection viaDaemon(Endpoint e, Path dir) {
        if (e.secret() == null)
            throw FsException.of(Errno.EACCES, "the daemon serving %s published no secret in %s/%s (an older tarn?): remount it",
                    dir, dir, ENDPOINT_FILE);
        return new MetaConnection(RemoteMetaService.connect(e.hostPort(), RpcOptions.defaults().withToken(e.secret())), null, dir);
    }

    /** The endpoint published in the folder if a server still answers there, else null. */
    private static Endpoint liveEndpoint(Path dir) {
        Endpoint e = Endpoint.read(dir);
        if (e == null) return null;
        try (var s = new java.net.Socket()) {
            String hp = e.hostPort();
            int colon = hp.lastIndexOf(':');
            s.connect(new java.net.InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))), 1000);
            return e;
        } catch (IOException | RuntimeException x) {
            return null;
        }
    }

    @Override
    public MetaService service() {
        return service;
    }

    @Override
    public Path ownedDataDir() {
        return kv != null ? dataDir : null;
    }

    @Override
    public String defaultStore(String volume) {
        return dataDir == null ? null : Volumes.defaultStore(this, volume);
    }

    /** The embedded data folder, or null for a remote server. */
    Path dataDir() {
        return dataDir;
    }

    /** Where access tokens are managed: the store itself when embedded, else the server (which wants an admin token). */
    TokenAdmin tokens() {
        if (kv != null) return new KvAccessTokens(kv, java.time.Clock.systemUTC());
        return (TokenAdmin) service;
    }

    @Override
    public AccessTokens accessTokens() {
        return kv != null ? new KvAccessTokens(kv, java.time.Clock.systemUTC()) : null;
    }

    /** The in-process engine of an embedded connection, or null when the metadata is remote. */
    LocalMetaService local() {
        return service instanceof LocalMetaService local ? local : null;
    }

    @Override
    public void close() {
        if (collector != null) collector.close();
        try {
            service.close();
        } finally {
            if (kv != null) {
                try {
                    kv.close();
                } catch (Exception e) {
                    throw new FsException(Errno.EIO, "closing the metadata store: " + e.getMessage(), e);
                }
            }
        }
    }
}
