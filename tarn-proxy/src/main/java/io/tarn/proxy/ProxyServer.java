package io.tarn.proxy;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.api.auth.AccessToken;
import io.tarn.objectstore.writeback.WriteBackObjectStore;
import io.tarn.rpc.ObjectStoreAccess;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.RpcServer;
import io.tarn.rpc.ServerSecurity;
import io.tarn.rpc.tls.Tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import static java.lang.System.Logger.Level.INFO;

/**
 * {@code tarn proxy} (ADR 0140): serves one object store to clients over Tarn's RPC transport (TLS 1.3,
 * access tokens checked with the metadata server), as a shared write-back cache. A put is acknowledged
 * once the object is written and synced under {@code CACHE_DIR/staged} (the client write-back mode's
 * staging, ADR 0071), and uploaded to the store in the background with retries; a proxy killed before
 * the upload uploads it when it starts again over the same directory. Gets come from a bounded RAM
 * cache, the staged file, or the store.
 */
public final class ProxyServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProxyServer.class.getName());

    /**
     * @param listen        address to serve (port 0: any free one)
     * @param cacheDir      local disk (NVMe) of the proxy; staged objects live in {@code cacheDir/staged}
     * @param ramBytes      RAM cache bound (0: none)
     * @param stagedBytes   bound on staged bytes not uploaded yet; puts wait (back-pressure) when it is used up
     * @param freeFloorBytes below this much free space on the cache disk a put goes straight to the store
     * @param uploaders     background uploads in flight
     * @param tls           TLS for clients (null: plain TCP)
     * @param meta          metadata server that checks tokens, {@code host:port} (null: tokens cannot be checked)
     * @param metaOptions   how to reach it (its CA)
     * @param tokensRequired every client must present a valid token
     * @param tokenRecheck  how long the metadata server's answer about a token is trusted
     * @param drainTimeout  how long {@link #close} waits for staged objects to upload before leaving them for the next start
     */
    public record Config(InetSocketAddress listen, Path cacheDir, long ramBytes, long stagedBytes, long freeFloorBytes,
                         int uploaders, Tls tls, String meta, RpcOptions metaOptions, boolean tokensRequired,
                         Duration tokenRecheck, Duration drainTimeout) {
        public static final long DEFAULT_RAM = 256L << 20, DEFAULT_STAGED = 10L << 30, DEFAULT_FREE_FLOOR = 64L << 20;
        public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(10), DEFAULT_DRAIN = Duration.ofSeconds(30);

        public Config {
            if (tokensRequired && meta == null)
                throw FsException.of(Errno.EINVAL, "a proxy that requires access tokens needs --meta HOST:PORT to check them with");
            if (ramBytes < 0 || stagedBytes <= 0) throw FsException.of(Errno.EINVAL, "cache sizes must be positive");
            if (metaOptions == null) metaOptions = RpcOptions.defaults();
        }

        /** Loopback defaults for tests: no TLS, no tokens, the given cache directory. */
        public static Config plain(Path cacheDir) {
            return new Config(new InetSocketAddress("127.0.0.1", 0), cacheDir, DEFAULT_RAM, DEFAULT_STAGED, DEFAULT_FREE_FLOOR,
                    4, null, null, null, false, DEFAULT_RECHECK, DEFAULT_DRAIN);
        }

        public Config withSecurity(Tls tls, String meta, RpcOptions metaOptions, boolean tokensRequired) {
            return new Config(listen, cacheDir, ramBytes, stagedBytes, freeFloorBytes, uploaders, tls, meta, metaOptions,
                    tokensRequired, tokenRecheck, drainTimeout);
        }

        public Config withTokenRecheck(Duration d) {
            return new Config(listen, cacheDir, ramBytes, stagedBytes, freeFloorBytes, uploaders, tls, meta, metaOptions,
                    tokensRequired, d, drainTimeout);
        }

        public Config withRam(long bytes) {
            return new Config(listen, cacheDir, bytes, stagedBytes, freeFloorBytes, uploaders, tls, meta, metaOptions,
                    tokensRequired, tokenRecheck, drainTimeout);
        }
    }

    private final ObjectStore backing;
    private final String storeUri;
    private final WriteBackObjectStore staged;
    private final RamCache ram;
    private final RpcServer rpc;

    private ProxyServer(ObjectStore backing, String storeUri, Config c) throws IOException {
        this.backing = backing;
        this.storeUri = storeUri;
        Path dir = c.cacheDir().toAbsolutePath();
        Files.createDirectories(dir);
        this.staged = new WriteBackObjectStore(backing, dir.resolve("staged"), c.stagedBytes(), c.freeFloorBytes(),
                c.uploaders(), c.drainTimeout());
        this.ram = new RamCache(staged, c.ramBytes());
        MetaTokenChecker checker = c.meta() == null ? null : new MetaTokenChecker(c.meta(), c.metaOptions(), c.tokenRecheck());
        ServerSecurity security = new ServerSecurity(c.tls(), checker, c.tokensRequired());
        ObjectStoreAccess access = new ObjectStoreAccess() {
            @Override
            public ObjectStore anonymous() {
                return ram;
            }

            @Override
            public ObjectStore forToken(AccessToken token, String peer) {
                MetaTokenChecker.Checked k = checker.check(token.id());
                if (!token.admin() && !sameStore(k.volume.storeUri(), storeUri))
                    throw FsException.of(Errno.EACCES, "volume %s keeps its blocks in %s; this proxy serves %s",
                            token.volume(), k.volume.storeUri(), storeUri);
                return new TokenScopedStore(ram, checker, token, peer);
            }
        };
        try {
            this.rpc = RpcServer.serveObjects(access, c.listen(), security);
        } catch (RuntimeException e) {
            staged.abandon();
            throw e;
        }
        LOG.log(INFO, "proxy for {0} on {1}: staging in {2} (at most {3} bytes), RAM cache {4} bytes", storeUri, rpc.address(),
                dir.resolve("staged"), c.stagedBytes(), c.ramBytes());
    }

    /** Starts serving {@code backing} (named {@code storeUri}: volumes must name the same store); the proxy closes it. */
    public static ProxyServer start(ObjectStore backing, String storeUri, Config config) throws IOException {
        try {
            return new ProxyServer(backing, storeUri, config);
        } catch (IOException | RuntimeException e) {
            backing.close();
            throw e;
        }
    }

    /** Two URIs of one store: equal once the case of the scheme, trailing slashes and options are set aside. */
    static boolean sameStore(String a, String b) {
        return normal(a).equals(normal(b));
    }

    private static String normal(String uri) {
        String s = uri.strip();
        int q = s.indexOf('?');
        if (q >= 0) s = s.substring(0, q);
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon).toLowerCase(Locale.ROOT) + s.substring(colon);
    }

    public int port() {
        return rpc.port();
    }

    public InetSocketAddress address() {
        return rpc.address();
    }

    /** {@code 127.0.0.1:PORT} style address clients dial. */
    public String hostPort() {
        return address().getAddress().getHostAddress() + ":" + port();
    }

    public String storeUri() {
        return storeUri;
    }

    /** Staged objects and bytes not uploaded yet, uploads done. */
    public WriteBackObjectStore.Stats stagedStats() {
        return staged.stats();
    }

    /** Waits until every staged object is in the store; false if {@code timeout} passed first. */
    public boolean drain(Duration timeout) {
        return staged.drain(timeout);
    }

    /** Stops serving, waits up to the drain timeout for uploads (the rest stays staged for the next start), closes the store. */
    @Override
    public void close() {
        rpc.close();
        staged.close();
        ram.close();
        backing.close();
    }
}
