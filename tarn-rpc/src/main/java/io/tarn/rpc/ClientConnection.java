package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * One TCP connection to a metadata server, shared by every calling thread: each call has its own
 * call id, writes are serialized, and a reader thread hands each reply to the thread waiting for it.
 * When the connection breaks, every waiting call ends in {@link Lost} and the owner is told once.
 */
final class ClientConnection {
    private static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());

    /** The connection broke before the reply came; {@code maybeDelivered} if the request may have reached the server. */
    static final class Lost extends Exception {
        final boolean maybeDelivered;

        Lost(boolean maybeDelivered, Throwable cause) {
            super(cause == null ? "connection lost" : cause.toString(), cause, false, false);
            this.maybeDelivered = maybeDelivered;
        }
    }

    private static final class Pending {
        final Thread waiter = Thread.currentThread();
        volatile byte[] reply;
        volatile Lost lost;
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextCallId = new AtomicLong(1);
    private final long epoch;
    private final int maxFrame;
    private final String server;
    private final Consumer<ClientConnection> onDeath;
    private volatile Throwable death;

    private ClientConnection(Socket socket, long epoch, int maxFrame, String server, Consumer<ClientConnection> onDeath) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
        this.epoch = epoch;
        this.maxFrame = maxFrame;
        this.server = server;
        this.onDeath = onDeath;
    }

    /** Connects and shakes hands within {@code timeoutMillis}; an IOException says why not. */
    static ClientConnection open(InetSocketAddress addr, String server, int timeoutMillis, int maxFrame,
                                 Consumer<ClientConnection> onDeath) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(addr, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            byte[] hello = new byte[Wire.HELLO_LENGTH];
            WireOut.putInt(hello, 0, Wire.MAGIC);
            hello[4] = 0;
            hello[5] = Wire.VERSION_MIN;
            hello[6] = 0;
            hello[7] = Wire.VERSION_MAX;
            s.getOutputStream().write(hello);
            byte[] reply = new DataInputStream(s.getInputStream()).readNBytes(Wire.SERVER_HELLO_LENGTH);
            if (reply.length < Wire.SERVER_HELLO_LENGTH || WireIn.getInt(reply, 0) != Wire.MAGIC)
                throw new IOException(server + " is not a Tarn metadata server (bad handshake)");
            int version = (reply[4] & 0xff) << 8 | (reply[5] & 0xff);
            if (version == 0)
                throw new IOException(server + " speaks no protocol version in " + Wire.VERSION_MIN + "-" + Wire.VERSION_MAX);
            s.setSoTimeout(0);
            ClientConnection c = new ClientConnection(s, WireIn.getLong(reply, 8), maxFrame, server, onDeath);
            Thread.ofPlatform().daemon().name("tarn-rpc-client-" + server).start(c::readLoop);
            return c;
        } catch (IOException | RuntimeException e) {
            RpcServer.closeQuietly(s);
            throw e;
        }
    }

    long epoch() {
        return epoch;
    }

    boolean alive() {
        return death == null;
    }

    /**
     * Sends the request frame {@code frame[0, length)} with a fresh call id and waits for its reply
     * payload. Throws {@link Lost} if the connection breaks, ETIMEDOUT after {@code timeoutNanos},
     * EINTR if the thread is interrupted.
     */
    byte[] call(byte[] frame, int length, long timeoutNanos, String method) throws Lost {
        long callId = nextCallId.getAndIncrement();
        WireOut.putLong(frame, Wire.CALL_ID_AT, callId);
        WireOut.putInt(frame, Wire.DEADLINE_AT, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
        Pending p = new Pending();
        pending.put(callId, p);
        if (death != null) {
            pending.remove(callId);
            throw new Lost(false, death);
        }
        writeLock.lock();
        try {
            out.write(frame, 0, length);
        } catch (IOException e) {
            pending.remove(callId);
            die(e);
            throw new Lost(true, e);
        } finally {
            writeLock.unlock();
        }
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            byte[] r = p.reply;
            if (r != null) return r;
            Lost lost = p.lost;
            if (lost != null) throw lost;
            long left = end - System.nanoTime();
            if (left <= 0) {
                pending.remove(callId);
                throw FsException.of(Errno.ETIMEDOUT, "metadata server %s did not answer %s within %d ms",
                        server, method, timeoutNanos / 1_000_000);
            }
            if (Thread.interrupted()) {
                pending.remove(callId);
                Thread.currentThread().interrupt();
                throw FsException.of(Errno.EINTR, "%s to %s interrupted", method, server);
            }
            LockSupport.parkNanos(this, left);
        }
    }

    private void readLoop() {
        try {
            while (true) {
                int length = in.readInt();
                if (length < Wire.RESPONSE_HEADER || length > maxFrame)
                    throw new IOException("reply frame of " + Integer.toUnsignedString(length) + " bytes from " + server);
                byte[] payload = new byte[length];
                in.readFully(payload);
                long callId = WireIn.getLong(payload, 0);
                Pending p = pending.remove(callId);
                if (p != null) {
                    p.reply = payload;
                    LockSupport.unpark(p.waiter);
                } else if (callId == Wire.NO_CALL) {
                    FsException e = CallDispatcher.decodeError(new WireIn(payload, Wire.RESPONSE_HEADER, length - Wire.RESPONSE_HEADER));
                    LOG.log(WARNING, "metadata server {0} reports a connection error: {1}", server, e.getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            die(e);
        }
    }

    private void die(Throwable cause) {
        synchronized (this) {
            if (death != null) return;
            death = cause;
        }
        LOG.log(DEBUG, "connection to {0} lost: {1}", server, cause.toString());
        RpcServer.closeQuietly(socket);
        Lost lost = new Lost(true, cause);
        for (Long id : pending.keySet()) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.lost = lost;
                LockSupport.unpark(p.waiter);
            }
        }
        onDeath.accept(this);
    }

    void close() {
        die(new IOException("client closed"));
    }
}
