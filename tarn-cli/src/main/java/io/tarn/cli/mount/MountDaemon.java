package io.tarn.cli.mount;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.client.ClientConfig;
import io.tarn.client.TarnVfs;
import io.tarn.client.crypt.KeySource;
import io.tarn.fuse.ControlSocket;
import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseSession;
import io.tarn.fuse.MountOptions;
import io.tarn.api.auth.AccessTokens;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcServer;
import io.tarn.rpc.ServerSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The foreground mount: opens the volume's client over the given metadata service, mounts it and
 * serves until unmounted (or until SIGTERM/SIGINT, which unmounts). With an embedded metadata store
 * it also serves that store over RPC on loopback, so other commands and mounts on the same data
 * folder can reach it while this process holds it.
 */
public final class MountDaemon {
    private static final System.Logger LOG = System.getLogger(MountDaemon.class.getName());

    /**
     * What to mount and how. {@code store} is only for a volume created on first embedded mount;
     * {@code keys} is the key of an encrypted volume (null for a plain one); {@code proxy} overrides the
     * volume's proxy group (null: the volume's own, "": none) and {@code proxyOptions} say how to reach it
     * (TLS, token; ADR 0140).
     */
    public record Settings(String volume, Path mountpoint, String store, ClientConfig client,
                           boolean allowOther, boolean readOnly, boolean defaultPermissions, List<String> args, KeySource keys,
                           String proxy, io.tarn.rpc.RpcOptions proxyOptions) {
        public Settings(String volume, Path mountpoint, String store, ClientConfig client,
                        boolean allowOther, boolean readOnly, boolean defaultPermissions, List<String> args, KeySource keys) {
            this(volume, mountpoint, store, client, allowOther, readOnly, defaultPermissions, args, keys, null, null);
        }
    }

    /** The metadata side a daemon runs on: the service, and the embedded data folder if this process owns it. */
    public interface Meta extends AutoCloseable {
        MetaService service();

        /** The embedded data folder this process holds, or null (remote server, or borrowed from another daemon). */
        Path ownedDataDir();

        /** The token store of an embedded folder this process holds, served to other commands; null otherwise. */
        default AccessTokens accessTokens() {
            return null;
        }

        /** Where an auto-created volume keeps its blocks, or null when volumes must be created explicitly. */
        String defaultStore(String volume);

        @Override
        void close();
    }

    private MountDaemon() {}

    public static void run(Meta meta, Settings s, Consumer<String> onReady) throws IOException, InterruptedException {
        try (meta) {
            MetaService svc = meta.service();
            VolumeInfo v = volume(meta, s);
            RpcServer rpc = null;
            Path endpoint = null;
            // The key is checked here, before the store is opened or the mount made: a wrong key leaves nothing behind.
            io.tarn.api.ObjectStore proxied = ProxyStores.open(v, s);
            try (proxied; TarnVfs vfs = proxied == null ? TarnVfs.open(svc, v.name(), s.client(), s.keys())
                    : new TarnVfs(svc, proxied, v.name(), s.client(), s.keys())) {
                if (meta.ownedDataDir() != null) {
                    // Loopback, and a secret in the owner-only endpoint file: the folder's owner needs no setup,
                    // other local users who find the port get nothing (ADR 0100).
                    String secret = Endpoint.newSecret();
                    rpc = RpcServer.start(svc, new InetSocketAddress("127.0.0.1", 0),
                            new ServerSecurity(null, Endpoint.withOwner(meta.accessTokens(), secret), true));
                    endpoint = Endpoint.publish(meta.ownedDataDir(), rpc.port(), secret);
                }
                MountOptions mo = MountOptions.at(s.mountpoint()).withFsname("tarn:" + v.name()).withSubtype("tarn")
                        .withAllowOther(s.allowOther()).withReadOnly(s.readOnly() || readOnlyToken(svc))
                        .withDefaultPermissions(s.defaultPermissions());
                FuseConfig fc = fuseConfig();
                VfsFilesystem fs = new VfsFilesystem(vfs);
                try (FuseSession session = FuseSession.mount(mo, fs, fc)) {
                    Thread hook = new Thread(session::close, "tarn-umount-on-signal");
                    Runtime.getRuntime().addShutdownHook(hook);
                    session.start();
                    fs.attach(session.notifier());
                    // Ready for `tarn upgrade`: a successor may take this live session over.
                    session.listenForHandoff(ControlSocket.pathFor(s.mountpoint()));
                    MountRecord.write(s.mountpoint(), s.args());
                    onReady.accept("volume " + v.uuid() + ", store " + v.storeUri() + (proxied == null ? "" : " through " + proxied.describe()));
                    FuseSession.Outcome how = session.join();
                    if (how != FuseSession.Outcome.HANDED_OFF) MountRecord.remove(s.mountpoint());
                    LOG.log(System.Logger.Level.INFO, "mount of {0} at {1} ended: {2}", v.name(), s.mountpoint(), how);
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // The hook is running: it is what ended the session.
                    }
                }
            } finally {
                if (rpc != null) rpc.close();
                if (endpoint != null) Files.deleteIfExists(endpoint);
            }
        }
    }

    /** A read-only access token mounts read-only, so the kernel answers EROFS before asking the server. */
    private static boolean readOnlyToken(MetaService svc) {
        if (svc instanceof RemoteMetaService r && r.grant() != null && r.grant().readOnly()) {
            LOG.log(System.Logger.Level.INFO, "access token {0} is read-only: mounting read-only", r.grant().id());
            return true;
        }
        return false;
    }

    /** The volume to mount; an embedded store creates it on first mount. */
    private static VolumeInfo volume(Meta meta, Settings s) {
        try {
            return meta.service().volume(s.volume());
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT) throw e;
            if (s.keys() != null)
                throw FsException.of(Errno.ENOENT, "unknown volume %s (create an encrypted volume with tarn volume create --encrypt)", s.volume());
            String store = s.store() != null ? s.store() : meta.defaultStore(s.volume());
            if (store == null)
                throw FsException.of(Errno.ENOENT, "unknown volume %s (see tarn volume list; create it with tarn volume create)", s.volume());
            io.tarn.cli.Volumes.checkStore(store); // a bad store fails here, before a volume points at it
            return meta.service().createVolume(new VolumeSpec(s.volume(), store, VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4",
                    VolumeSpec.DEFAULT_RETENTION_SECONDS));
        }
    }

    /** How Tarn's mounts serve FUSE; a successor taking a mount over must use the same. */
    static FuseConfig fuseConfig() {
        // Locks go to the metadata server, so they hold across every client of the volume (ADR 0110).
        // readdirplus on every page, not only the first (auto): `ls -l` of a large directory then stats
        // every entry from what the listing already brought, instead of one LOOKUP per name (issue 6).
        // The server also applies the umask (it yields to default ACLs) and clears suid/sgid on write,
        // truncate and chown (KILLPRIV_V2): the kernel's own clearing would be a chmod by the writer,
        // which the server must refuse to anyone but the owner (ADR 0130).
        return FuseConfig.builder().readdirplus(true, false).posixLocks(true).flockLocks(true)
                .dontMask(true).handleKillprivV2(true).build();
    }

}
