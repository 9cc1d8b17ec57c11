package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import io.tarn.api.auth.AccessToken;
import io.tarn.rpc.tls.Tls;

import javax.net.ssl.SSLException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * One TCP connection to a metadata server (or a proxy, ADR 0140), shared by every calling thread: each call has its own
 * call id and writes are serialized. There is no reader thread: a waiting caller takes the read
 * role, reads frames and hands each reply to its caller until its own arrives, then passes the
 * role on. A lone caller thus reads its own reply, which saves a thread wake-up per call
 * (docs/adr/0030-rpc-protocol.md). When the connection breaks, every waiting call ends in
 * {@link Lost} and the owner is told once.
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
    private final InputStream in;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextCallId = new AtomicLong(1);
    private final long epoch;
    private final int maxFrame, serverMaxRequest;
    /** The server as messages name it: "metadata server HOST:PORT" or "proxy HOST:PORT". */
    private final String server;
    private final Consumer<ClientConnection> onDeath;
    private volatile Throwable death;
    private AccessToken grant;
    // Read buffer, guarded by readLock: bytes [start, end) are received and not yet consumed.
    private byte[] buf = new byte[64 * 1024];
    private int start, end;

    private ClientConnection(Socket socket, long epoch, int serverMaxRequest, int maxFrame, String server,
                             Consumer<ClientConnection> onDeath) throws IOException {
        this.socket = socket;
        this.serverMaxRequest = serverMaxRequest;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.epoch = epoch;
        this.maxFrame = maxFrame;
        this.server = server;
        this.onDeath = onDeath;
    }

    /**
     * The server refused this client for a reason a retry cannot fix (TLS mismatch, a missing,
     * wrong, revoked or expired token): the link stops reconnecting and calls fail with {@link #reason}.
     */
    static final class Refused extends IOException {
        final FsException reason;

        Refused(FsException reason) {
            super(reason.getMessage());
            this.reason = reason;
        }
    }

    /**
     * Connects, runs the TLS handshake if {@code opts} has TLS, shakes hands and presents the access
     * token, all within {@code timeoutMillis}; an IOException says why not ({@link Refused} if for good).
     */
    static ClientConnection open(InetSocketAddress addr, String server, int timeoutMillis, RpcOptions opts,
                                 Consumer<ClientConnection> onDeath) throws IOException {
        return open(addr, "metadata server", server, timeoutMillis, opts, onDeath);
    }

    /** As above for a server of {@code role} ("metadata server", "proxy"), the word messages name it by. */
    static ClientConnection open(InetSocketAddress addr, String role, String address, int timeoutMillis, RpcOptions opts,
                                 Consumer<ClientConnection> onDeath) throws IOException {
        String server = role + " " + address;
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(addr, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            if (opts.tls() != null) s = handshakeTls(s, addr, server, opts);
            byte[] hello = new byte[Wire.HELLO_LENGTH];
            WireOut.putInt(hello, 0, Wire.MAGIC);
            hello[5] = Wire.VERSION_MIN;
            hello[7] = Wire.VERSION_MAX;
            WireOut.putInt(hello, 8, opts.maxFrameBytes());
            s.getOutputStream().write(hello);
            byte[] reply = new DataInputStream(s.getInputStream()).readNBytes(Wire.SERVER_HELLO_LENGTH);
            if (reply.length < Wire.SERVER_HELLO_LENGTH || WireIn.getInt(reply, 0) != Wire.MAGIC)
                throw new IOException(server + " is not a Tarn server (bad handshake)"
                        + (opts.tls() == null ? "" : "; it may not be using TLS"));
            int version = (reply[4] & 0xff) << 8 | (reply[5] & 0xff);
            int detail = (reply[6] & 0xff) << 8 | (reply[7] & 0xff);
            if (version == 0 && detail == Wire.REFUSED_TLS_REQUIRED)
                throw new Refused(FsException.of(Errno.EPROTO,
                        "%s requires TLS and refused this plaintext connection (give --tls-ca CA.pem or TARN_TLS_CA)", server));
            if (version == 0)
                throw new Refused(FsException.of(Errno.EPROTO, "%s speaks no protocol version in %d-%d",
                        server, Wire.VERSION_MIN, Wire.VERSION_MAX));
            ClientConnection c = new ClientConnection(s, WireIn.getLong(reply, 8), WireIn.getInt(reply, 16),
                    opts.maxFrameBytes(), server, onDeath);
            boolean required = (detail & Wire.FLAG_TOKEN_REQUIRED) != 0;
            // Without a token the empty authenticate still goes out, so the server logs who was refused.
            if (opts.token() != null || required) c.grant = c.authenticate(opts.token(), timeoutMillis);
            return c;
        } catch (IOException | RuntimeException e) {
            RpcServer.closeQuietly(s);
            throw e;
        }
    }

    private static Socket handshakeTls(Socket plain, InetSocketAddress addr, String server, RpcOptions opts) throws IOException {
        try {
            return opts.tls().connect(plain, addr.getHostString(), addr.getPort());
        } catch (SSLException e) {
            if (Tls.certificateRejected(e))
                throw new Refused(FsException.of(Errno.EACCES, "%s: its TLS certificate is not trusted: %s",
                        server, e.getMessage()));
            throw new Refused(FsException.of(Errno.EPROTO, "TLS handshake with %s failed (is it running without TLS?): %s",
                    server, e.getMessage()));
        } catch (java.net.SocketException | EOFException e) {
            // A plaintext server drops a TLS client after its first bytes.
            throw new Refused(FsException.of(Errno.EPROTO,
                    "%s closed the connection during the TLS handshake (is it running without TLS?): %s",
                    server, e.getMessage()));
        }
    }

    /** Presents the token; the server's answer is what the token allows (null: the server checks no tokens). */
    private AccessToken authenticate(String token, int timeoutMillis) throws IOException {
        WireOut req = WireOut.request(Op.AUTHENTICATE).str(token);
        byte[] frame = req.frame();
        WireOut.putLong(frame, Wire.CALL_ID_AT, nextCallId.getAndIncrement());
        WireOut.putInt(frame, Wire.DEADLINE_AT, timeoutMillis);
        out.write(frame, 0, req.length());
        byte[] payload = readFrame(System.nanoTime() + timeoutMillis * 1_000_000L);
        if (payload == null) throw new SocketTimeoutException("no answer to the access token within " + timeoutMillis + " ms");
        WireIn in = new WireIn(payload, Wire.RESPONSE_HEADER, payload.length - Wire.RESPONSE_HEADER);
        if (payload[8] != Wire.OK) {
            FsException e = CallDispatcher.decodeError(in);
            if (e.errno() == Errno.EAGAIN) // the server could not check the token right now: not a verdict on it
                throw new IOException(server + " could not check the access token now: " + stripErrno(e));
            if (token == null)
                throw new Refused(FsException.of(Errno.EACCES,
                        "%s requires an access token (give --token-file F, TARN_TOKEN_FILE or -o token-file=F)", server));
            throw new Refused(new FsException(e.errno(), server + " refused the access token: "
                    + stripErrno(e)));
        }
        AccessToken t = in.bool() ? in.accessToken() : null;
        in.end();
        return t;
    }

    private static String stripErrno(FsException e) {
        String m = e.getMessage(), prefix = e.errno().name() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** What the server said the access token allows, or null (no token, or the server checks none). */
    AccessToken grant() {
        return grant;
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
        if (length - Wire.LENGTH_FIELD > serverMaxRequest)
            throw FsException.of(Errno.E2BIG, "%s request of %d bytes exceeds the limit of %d of %s",
                    method, length - Wire.LENGTH_FIELD, serverMaxRequest, server);
        long callId = nextCallId.getAndIncrement();
        WireOut.putLong(frame, Wire.CALL_ID_AT, callId);
        WireOut.putInt(frame, Wire.DEADLINE_AT, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
        Pending p = new Pending();
        pending.put(callId, p);
        try {
            if (death != null) throw new Lost(false, death);
            writeLock.lock();
            try {
                out.write(frame, 0, length);
            } catch (IOException e) {
                die(e);
                throw new Lost(true, e);
            } finally {
                writeLock.unlock();
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (true) {
                byte[] r = p.reply;
                if (r != null) return r;
                Lost lost = p.lost;
                if (lost != null) throw lost;
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    throw FsException.of(Errno.ETIMEDOUT, "%s did not answer %s within %d ms",
                            server, method, timeoutNanos / 1_000_000);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw FsException.of(Errno.EINTR, "%s to %s interrupted", method, server);
                }
                if (readLock.tryLock()) {
                    try {
                        readUntil(p, deadline);
                    } finally {
                        readLock.unlock();
                    }
                } else {
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            pending.remove(callId);
            handOff();
        }
    }

    /** If nobody reads while calls wait, wakes one of them to take the read role. */
    private void handOff() {
        if (readLock.isLocked()) return;
        for (Pending q : pending.values()) {
            LockSupport.unpark(q.waiter);
            return;
        }
    }

    /** Holding the read role: delivers replies until {@code mine} has one, the deadline passes or the connection dies. */
    private void readUntil(Pending mine, long deadline) {
        try {
            while (mine.reply == null && mine.lost == null) {
                byte[] payload = readFrame(deadline);
                if (payload == null) return;
                long callId = WireIn.getLong(payload, 0);
                Pending p = pending.remove(callId);
                if (p != null) {
                    p.reply = payload;
                    if (p != mine) LockSupport.unpark(p.waiter);
                } else if (callId == Wire.NO_CALL) {
                    FsException e = CallDispatcher.decodeError(new WireIn(payload, Wire.RESPONSE_HEADER, payload.length - Wire.RESPONSE_HEADER));
                    LOG.log(WARNING, "{0} reports a connection error: {1}", server, e.getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            die(e);
        }
    }

    /** The next reply payload, or null if the deadline passes first; partial frames stay buffered. */
    private byte[] readFrame(long deadline) throws IOException {
        while (true) {
            int have = end - start;
            if (have >= 4) {
                int length = WireIn.getInt(buf, start);
                if (length < Wire.RESPONSE_HEADER || length > maxFrame)
                    throw new IOException("reply frame of " + Integer.toUnsignedString(length) + " bytes from " + server);
                if (have >= 4 + length) {
                    byte[] payload = Arrays.copyOfRange(buf, start + 4, start + 4 + length);
                    start += 4 + length;
                    return payload;
                }
                room(4 + length);
            } else {
                room(4);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
            int n;
            try {
                n = in.read(buf, end, buf.length - end);
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (n < 0) throw new EOFException(server + " closed the connection");
            end += n;
        }
    }

    /** Makes room for a frame of {@code need} bytes starting at {@code start}. */
    private void room(int need) {
        if (start + need <= buf.length) return;
        if (need <= buf.length) {
            System.arraycopy(buf, start, buf, 0, end - start);
        } else {
            byte[] bigger = new byte[Math.max(need, buf.length * 2)];
            System.arraycopy(buf, start, bigger, 0, end - start);
            buf = bigger;
        }
        end -= start;
        start = 0;
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
