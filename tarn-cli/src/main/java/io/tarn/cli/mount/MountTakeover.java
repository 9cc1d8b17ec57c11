package io.tarn.cli.mount;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.kv.KvStore;
import io.tarn.client.TarnVfs;
import io.tarn.fuse.ControlSocket;
import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseSession;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.rocksdb.RocksDbKvStore;
import io.tarn.meta.KvAccessTokens;
import io.tarn.rpc.RpcServer;
import io.tarn.rpc.ServerSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The successor side of {@code tarn upgrade}: takes the live FUSE session of a running mount daemon
 * over (ADR 0012), resumes its client session and open handles from the exported state, and serves
 * on without the mount ever going away.
 *
 * <p>With an embedded metadata folder the predecessor holds RocksDB and serves it on a loopback
 * port, so the successor starts as an RPC client of that port. Once the predecessor has exited it
 * opens the folder itself and serves it on the same port: its own client (and any other) rides
 * through the switch like through a server restart.
 */
public final class MountTakeover {
    private static final System.Logger LOG = System.getLogger(MountTakeover.class.getName());
    private static final Duration PREDECESSOR_EXIT = Duration.ofSeconds(60);

    private MountTakeover() {}

    /**
     * @param embeddedDir the embedded metadata folder, or null when the mount uses a metadata server
     */
    public static void run(MountDaemon.Meta meta, MountDaemon.Settings s, Path embeddedDir, Consumer<String> onReady)
            throws IOException, InterruptedException {
        MountRecord predecessor = MountRecord.read(s.mountpoint())
                .orElseThrow(() -> FsException.of(Errno.ENOENT, "no running Tarn mount recorded for %s", s.mountpoint()));
        // Read before the predecessor exits: it removes the endpoint file on its way out.
        Endpoint previous = embeddedDir == null ? null : Endpoint.read(embeddedDir);
        int port = previous == null ? 0 : previous.port();
        // The same secret: clients of the predecessor's endpoint reconnect to this one with what they have.
        String secret = previous != null && previous.secret() != null ? previous.secret() : Endpoint.newSecret();
        MetaService svc = meta.service();
        VfsFilesystem fs = new VfsFilesystem(state -> {
            // The successor sends blocks where the predecessor did: through the volume's proxy group if it has one.
            io.tarn.api.ObjectStore proxied = ProxyStores.open(svc.volume(s.volume()), s);
            return proxied == null ? TarnVfs.resume(svc, s.client(), state, s.keys())
                    : TarnVfs.resume(svc, proxied, s.client(), state, s.keys());
        });
        KvStore kv = null;
        RpcServer rpc = null;
        try (meta; FuseSession session = FuseSession.takeOver(ControlSocket.pathFor(s.mountpoint()), fs, MountDaemon.fuseConfig())) {
            fs.attach(session.notifier());
            Thread hook = new Thread(session::close, "tarn-umount-on-signal");
            Runtime.getRuntime().addShutdownHook(hook);
            if (embeddedDir != null) {
                awaitExit(predecessor.pid());
                kv = openWhenFree(embeddedDir.resolve("meta"));
                rpc = RpcServer.start(new LocalMetaService(kv), new InetSocketAddress("127.0.0.1", port),
                        new ServerSecurity(null, Endpoint.withOwner(new KvAccessTokens(kv, java.time.Clock.systemUTC()), secret), true));
                Endpoint.publish(embeddedDir, rpc.port(), secret);
            }
            session.listenForHandoff(ControlSocket.pathFor(s.mountpoint()));
            MountRecord.write(s.mountpoint(), s.args());
            onReady.accept("took over from pid " + predecessor.pid());
            FuseSession.Outcome how = session.join();
            LOG.log(System.Logger.Level.INFO, "mount at {0} ended: {1}", s.mountpoint(), how);
            if (how != FuseSession.Outcome.HANDED_OFF) MountRecord.remove(s.mountpoint());
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it is what ended the session.
            }
            if (fs.vfs() != null) fs.vfs().close();
        } finally {
            if (rpc != null) rpc.close();
            if (embeddedDir != null && rpc != null) Files.deleteIfExists(embeddedDir.resolve("meta.endpoint"));
            if (kv != null) {
                try {
                    kv.close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "closing the metadata store: {0}", e.getMessage());
                }
            }
        }
    }

    private static void awaitExit(long pid) throws InterruptedException {
        var handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) return;
        try {
            handle.get().onExit().get(PREDECESSOR_EXIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw FsException.of(Errno.ETIMEDOUT, "the previous daemon (pid %d) did not exit after handing over", pid);
        }
    }

    /** Opens RocksDB once the predecessor's lock is gone (its process may still be releasing it). */
    private static KvStore openWhenFree(Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return RocksDbKvStore.open(dir);
            } catch (FsException e) {
                if (System.nanoTime() > deadline) throw e;
                // The lock is released when the old process exits; it already has, so this is brief.
                Thread.sleep(20);
            }
        }
    }
}
