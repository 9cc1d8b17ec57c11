package io.tarn.fuse;

import io.tarn.fuse.sys.Libc;
import io.tarn.fuse.sys.UnixSocket;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Passing a live connection to a successor process (docs/adr/0012). The successor connects to the
 * control socket and sends {@code TARNTAKE}; the old side stops reading, drains, re-queues what is
 * still pending, and answers with one message carrying the /dev/fuse fd (SCM_RIGHTS) and
 * {@code [int length][state]}; the successor imports the state, starts serving and answers one
 * byte; only then does the old side let go of its fds. If the successor fails before that byte, the
 * old side resumes serving.
 */
final class Handoff {
    private static final System.Logger LOG = System.getLogger(Handoff.class.getName());
    private static final byte[] TAKE = "TARNTAKE".getBytes(StandardCharsets.US_ASCII);
    private static final int MAGIC = 0x54465331, VERSION = 1;
    private static final Map<Thread, UnixSocket> LISTENERS = new ConcurrentHashMap<>();
    /** How long deferred replies may take before they are re-queued for the successor. */
    static final Duration DRAIN = Duration.ofSeconds(5);

    private Handoff() {}

    static Thread listen(FuseSession session, Path path) throws IOException {
        UnixSocket server = bind(path);
        Thread t = Thread.ofPlatform().name("fuse-handoff").daemon(true).unstarted(() -> {
            try {
                while (!serveOne(session, server, DRAIN)) {
                    if (session.join(Duration.ZERO) != null) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                LISTENERS.remove(Thread.currentThread());
                server.close();
            }
        });
        LISTENERS.put(t, server);
        t.start();
        return t;
    }

    /** Listens at {@code path} and hands off to the first successor that connects within {@code timeout}. */
    static boolean handOffTo(FuseSession session, Path path, Duration timeout, Duration drain)
            throws IOException, InterruptedException {
        UnixSocket server = bind(path);
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout); // a watchdog: gives up on a successor that never connects
                server.shutdown();
            } catch (InterruptedException e) {
                // handed off (or failed) in time
            }
        });
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (serveOne(session, server, drain)) return true;
                if (session.join(Duration.ZERO) != null) return false;
            }
            return false;
        } finally {
            watchdog.interrupt();
            server.close();
        }
    }

    /** Only our own user may connect: whoever does receives the /dev/fuse session. */
    private static UnixSocket bind(Path path) throws IOException {
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        // Bound and listening under a temporary name, then renamed: the path appears only when a
        // connect will succeed, and replaces a predecessor's socket atomically.
        Path tmp = dir.resolve(path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        UnixSocket s = UnixSocket.listen(tmp);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            s.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
        return s;
    }

    /** Accepts one control connection; true once a successor took over. */
    private static boolean serveOne(FuseSession session, UnixSocket server, Duration drain) throws InterruptedException {
        try (UnixSocket peer = server.accept()) {
            byte[] hello = peer.receive(TAKE.length).data();
            if (!Arrays.equals(hello, TAKE)) {
                LOG.log(System.Logger.Level.WARNING, "ignoring a control connection that did not ask for a handoff");
                return false;
            }
            return send(session, peer, drain);
        } catch (IOException e) {
            if (session.join(Duration.ZERO) == null) {
                LOG.log(System.Logger.Level.WARNING, "handoff attempt failed: {0}", e.getMessage());
            }
            return false;
        }
    }

    static void stopListener(Thread t) {
        UnixSocket s = LISTENERS.get(t);
        if (s != null) s.shutdown();
    }

    /** Old side; returns true once the successor confirmed, false (serving again) if it did not. */
    static boolean send(FuseSession s, UnixSocket peer, Duration drain) throws IOException, InterruptedException {
        if (!s.stopWorkers(Duration.ofSeconds(10))) {
            s.resume();
            throw new IOException("the workers did not stop; handoff abandoned, serving again");
        }
        if (!s.drainDeferred(drain)) {
            int r = s.notifier().resendPending();
            LOG.log(System.Logger.Level.INFO, "{0} requests still pending at handoff; re-queued (resend: {1})", s.inflight(), r);
        }
        byte[] state;
        try {
            state = encode(s);
        } catch (RuntimeException e) {
            s.resume();
            throw new IOException("the filesystem cannot export its state: " + e.getMessage(), e);
        }
        try {
            byte[] msg = new byte[4 + state.length];
            msg[0] = (byte) (state.length >>> 24);
            msg[1] = (byte) (state.length >>> 16);
            msg[2] = (byte) (state.length >>> 8);
            msg[3] = (byte) state.length;
            System.arraycopy(state, 0, msg, 4, state.length);
            peer.send(msg, s.devFd());
            byte[] ack = peer.receive(1).data();
            if (ack[0] != 'K') throw new IOException("successor refused: " + ack[0]);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "successor did not take over ({0}); serving again", e.getMessage());
            s.resume();
            return false;
        }
        s.finish(FuseSession.Outcome.HANDED_OFF);
        return true;
    }

    private static byte[] encode(FuseSession s) {
        byte[] fsState = s.filesystem().exportState();
        Connection c = s.connection();
        if (c == null) throw new IllegalStateException("INIT has not completed");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(fsState.length + 256);
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeInt(MAGIC);
            o.writeInt(VERSION);
            o.writeUTF(s.mountpoint().toString());
            o.writeInt(s.connectionNumber());
            o.writeInt(c.major());
            o.writeInt(c.minor());
            o.writeLong(c.kernelFlags());
            o.writeLong(c.flags());
            o.writeInt(c.maxWrite());
            o.writeInt(c.maxReadahead());
            o.writeInt(c.maxPages());
            o.writeInt(c.maxBackground());
            o.writeInt(c.congestionThreshold());
            o.writeInt(c.timeGran());
            o.writeInt(fsState.length);
            o.write(fsState);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** New side. */
    static FuseSession receive(Path controlSocket, FuseFilesystem fs, FuseConfig config) throws IOException {
        try (UnixSocket sock = UnixSocket.connect(controlSocket)) {
            sock.send(TAKE, -1);
            UnixSocket.Received head = sock.receive(4);
            byte[] h = head.data();
            int len = ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
            int fd = head.fd();
            if (fd < 0) throw new IOException("the running daemon sent no /dev/fuse descriptor");
            FuseSession session;
            try {
                byte[] state = sock.receive(len).data();
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
                if (in.readInt() != MAGIC || in.readInt() != VERSION) throw new IOException("unknown handoff format");
                Path mountpoint = Path.of(in.readUTF());
                int connNumber = in.readInt();
                Connection c = new Connection(in.readInt(), in.readInt(), in.readLong(), in.readLong(), in.readInt(),
                        in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt());
                byte[] fsState = new byte[in.readInt()];
                in.readFully(fsState);
                fs.importState(fsState);
                fs.init(c);
                FuseConfig effective = config.toBuilder().maxWrite(Math.max(config.maxWrite(), c.maxWrite())).build();
                session = FuseSession.adopt(mountpoint, fd, connNumber, fs, effective, c);
                session.start();
            } catch (IOException | RuntimeException e) {
                Libc.close(fd);
                throw e instanceof IOException io ? io : new IOException("cannot take over: " + e.getMessage(), e);
            }
            // Anything the old side left unanswered goes back to the queue for our workers.
            session.notifier().resendPending();
            sock.send(new byte[] {'K'}, -1);
            return session;
        }
    }
}
