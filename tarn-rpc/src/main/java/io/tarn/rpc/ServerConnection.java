package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.AccessTokens;
import io.tarn.rpc.tls.Tls;

import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/** One client connection on the server: handshake, then a loop reading request frames. */
final class ServerConnection {
    private static final System.Logger LOG = System.getLogger(ServerConnection.class.getName());
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    static final int MAX_CALLS_IN_FLIGHT = 1024, MAX_BYTES_IN_FLIGHT = 64 << 20;

    private final RpcServer server;
    private final Socket raw;
    private volatile Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore callsInFlight = new Semaphore(MAX_CALLS_IN_FLIGHT);
    private final Semaphore bytesInFlight = new Semaphore(MAX_BYTES_IN_FLIGHT);
    private final String peer;
    private int clientMaxReply;
    /** What calls reach: the whole service, what a token allows, or null while a required token is missing. */
    private volatile Dispatch dispatcher;
    private boolean authenticated, refusalLogged;

    ServerConnection(RpcServer server, Socket socket) {
        this.server = server;
        this.raw = socket;
        this.socket = socket;
        this.peer = String.valueOf(socket.getRemoteSocketAddress());
        this.dispatcher = server.security().tokensRequired() ? null : server.served().open();
    }

    void serve() {
        try {
            if (!secure()) return;
            if (!handshake()) return;
            readLoop();
        } catch (EOFException | java.net.SocketException e) {
            LOG.log(DEBUG, "client {0} went away: {1}", peer, e.getMessage());
        } catch (IOException e) {
            if (!server.isClosed()) LOG.log(WARNING, "closing connection from {0}: {1}", peer, e.toString());
        } finally {
            close();
        }
    }

    /**
     * Looks at the first byte: a TLS handshake record or the plaintext hello. A server with TLS runs the
     * handshake, and answers a plaintext hello with a refusal that says TLS is required; a server without
     * TLS drops a TLS client. Both are logged with the peer, since the client may not say why it failed.
     */
    private boolean secure() throws IOException {
        raw.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
        InputStream rawIn = raw.getInputStream();
        int first;
        try {
            first = rawIn.read();
        } catch (SocketTimeoutException e) {
            LOG.log(WARNING, "closing connection from {0}: no hello within {1} ms", peer, HANDSHAKE_TIMEOUT_MILLIS);
            return false;
        }
        if (first < 0) return false;
        Tls tls = server.security().tls();
        if (tls != null && Tls.looksLikeTls(first)) {
            SSLSocket s;
            try {
                s = tls.accept(raw, new byte[]{(byte) first});
            } catch (IOException e) {
                LOG.log(WARNING, "refusing connection from {0}: TLS handshake failed: {1}", peer, e.getMessage());
                return false;
            }
            socket = s;
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            out = s.getOutputStream();
            return true;
        }
        if (tls != null) {
            LOG.log(WARNING, "refusing plaintext connection from {0}: this server requires TLS", peer);
            if (first == (Wire.MAGIC >>> 24)) {
                // A Tarn client in plaintext: tell it why, in the hello it expects.
                byte[] rest = new byte[Wire.HELLO_LENGTH - 1];
                new DataInputStream(rawIn).readFully(rest);
                byte[] reply = new byte[Wire.SERVER_HELLO_LENGTH];
                WireOut.putInt(reply, 0, Wire.MAGIC);
                reply[7] = Wire.REFUSED_TLS_REQUIRED;
                raw.getOutputStream().write(reply);
            }
            return false;
        }
        if (Tls.looksLikeTls(first)) {
            LOG.log(WARNING, "refusing TLS connection from {0}: this server runs without TLS (start it with --tls-cert and --tls-key)", peer);
            return false;
        }
        in = new DataInputStream(new BufferedInputStream(
                new SequenceInputStream(new ByteArrayInputStream(new byte[]{(byte) first}), rawIn), 64 * 1024));
        out = raw.getOutputStream();
        return true;
    }

    private boolean handshake() throws IOException {
        socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
        byte[] hello = new byte[Wire.HELLO_LENGTH];
        try {
            in.readFully(hello);
        } catch (SocketTimeoutException e) {
            LOG.log(WARNING, "closing connection from {0}: no hello within {1} ms", peer, HANDSHAKE_TIMEOUT_MILLIS);
            return false;
        }
        if (WireIn.getInt(hello, 0) != Wire.MAGIC) {
            LOG.log(WARNING, "closing connection from {0}: not a Tarn RPC client (bad magic)", peer);
            return false;
        }
        int min = (hello[4] & 0xff) << 8 | (hello[5] & 0xff), max = (hello[6] & 0xff) << 8 | (hello[7] & 0xff);
        clientMaxReply = WireIn.getInt(hello, 8);
        int version = Math.min(max, Wire.VERSION_MAX);
        if (version < Math.max(min, Wire.VERSION_MIN)) version = 0;
        byte[] reply = new byte[Wire.SERVER_HELLO_LENGTH];
        WireOut.putInt(reply, 0, Wire.MAGIC);
        reply[4] = (byte) (version >>> 8);
        reply[5] = (byte) version;
        int detail = version == 0 ? Wire.REFUSED_NO_COMMON_VERSION
                : version >= 2 && server.security().tokensRequired() ? Wire.FLAG_TOKEN_REQUIRED : 0;
        reply[7] = (byte) detail;
        WireOut.putLong(reply, 8, server.epoch());
        WireOut.putInt(reply, 16, server.maxFrame());
        write(reply, reply.length);
        if (version == 0) {
            LOG.log(WARNING, "closing connection from {0}: it speaks protocol versions {1}-{2}, this server {3}-{4}",
                    peer, min, max, Wire.VERSION_MIN, Wire.VERSION_MAX);
            return false;
        }
        socket.setSoTimeout(0);
        return true;
    }

    /**
     * Checks the token of an AUTHENTICATE request and answers it. From then on the connection's calls
     * go through a {@link TokenGuard}. A refused token is logged (id and reason, never the secret)
     * and ends the connection; false then.
     */
    private boolean authenticate(byte[] payload, int length) {
        long callId = WireIn.getLong(payload, 0);
        String presented;
        try {
            WireIn args = new WireIn(payload, Wire.REQUEST_HEADER, length - Wire.REQUEST_HEADER);
            presented = args.str();
            args.end();
            if (authenticated) throw FsException.of(Errno.EPROTO, "this connection has already authenticated");
        } catch (FsException e) {
            reply(CallDispatcher.error(callId, e));
            return true;
        }
        AccessTokens tokens = server.security().tokens();
        if (tokens == null) { // nothing to check against: the connection keeps the access it has
            reply(WireOut.response(callId, Wire.OK).bool(false));
            return true;
        }
        AccessToken t;
        try {
            t = tokens.verify(presented);
        } catch (FsException e) {
            LOG.log(WARNING, "refusing connection from {0}: {1}", peer, e.getMessage());
            reply(CallDispatcher.error(callId, e));
            return false;
        } catch (io.tarn.api.ObjectStoreException e) {
            // A proxy that cannot reach the metadata server to check the token: the client may try again later.
            LOG.log(WARNING, "cannot admit {0} now: {1}", peer, e.getMessage());
            reply(CallDispatcher.error(callId, FsException.of(Errno.EAGAIN, "%s", e.getMessage())));
            return false;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "checking an access token failed", e);
            reply(CallDispatcher.error(callId, FsException.of(Errno.EIO, "checking the access token failed on the server")));
            return false;
        }
        try {
            dispatcher = server.served().guarded(t, peer);
        } catch (FsException e) {
            LOG.log(WARNING, "refusing connection from {0}: {1}", peer, e.getMessage());
            reply(CallDispatcher.error(callId, e));
            return false;
        } catch (io.tarn.api.ObjectStoreException e) {
            LOG.log(WARNING, "cannot admit {0} now: {1}", peer, e.getMessage());
            reply(CallDispatcher.error(callId, FsException.of(Errno.EAGAIN, "%s", e.getMessage())));
            return false;
        }
        authenticated = true;
        LOG.log(DEBUG, "{0} authenticated with access token {1} ({2})", peer, t.id(), t.describe());
        reply(WireOut.response(callId, Wire.OK).bool(true).accessToken(t));
        return true;
    }

    private void readLoop() throws IOException {
        while (!server.isClosed()) {
            int length = in.readInt();
            long arrival = System.nanoTime();
            if (length < 0 || length > server.maxFrame()) {
                long callId = length >= 8 ? in.readLong() : Wire.NO_CALL;
                LOG.log(WARNING, "closing connection from {0}: request frame of {1} bytes exceeds the limit of {2}",
                        peer, Integer.toUnsignedString(length), String.valueOf(server.maxFrame()));
                reply(CallDispatcher.error(callId, FsException.of(Errno.E2BIG,
                        "request frame of %s bytes exceeds the limit of %d", Integer.toUnsignedString(length), server.maxFrame())));
                return;
            }
            // A client that sends faster than it reads replies waits here instead of filling the server's memory.
            int cost = Math.min(Math.max(length, 1), MAX_BYTES_IN_FLIGHT);
            try {
                callsInFlight.acquire();
                bytesInFlight.acquire(cost);
            } catch (InterruptedException e) {
                return;
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (length < Wire.REQUEST_HEADER) {
                long callId = length >= 8 ? WireIn.getLong(payload, 0) : Wire.NO_CALL;
                LOG.log(WARNING, "malformed request from {0}: frame of {1} bytes is shorter than a header", peer, length);
                reply(CallDispatcher.error(callId, WireIn.malformed("frame of %d bytes is shorter than a request header", length)));
                release(cost);
                continue;
            }
            int code = payload[8] & 0xff;
            if (code == Op.AUTHENTICATE.code) {
                boolean go = authenticate(payload, length);
                release(cost);
                if (!go) return;
                continue;
            }
            Dispatch d = dispatcher;
            if (d == null) {
                if (!refusalLogged) {
                    refusalLogged = true;
                    LOG.log(WARNING, "refusing calls from {0}: no access token presented, and this server requires one", peer);
                }
                reply(CallDispatcher.error(WireIn.getLong(payload, 0), FsException.of(Errno.EACCES,
                        "this %s requires an access token (--token-file, TARN_TOKEN_FILE or -o token-file=)", server.served().what())));
                release(cost);
                continue;
            }
            // Point reads are a few microseconds: running them here saves a thread hand-off; anything that may wait runs apart.
            Runnable call = () -> {
                try {
                    reply(d.handle(payload, length, arrival));
                } finally {
                    release(cost);
                }
            };
            Op op = Op.of(payload[8] & 0xff);
            boolean started = op != null && op.pointRead() ? server.runHere(call)
                    : op == Op.CHANGES ? server.submitWaiting(call) : server.submit(call);
            if (!started) return;
        }
    }

    private void release(int cost) {
        bytesInFlight.release(cost);
        callsInFlight.release();
    }

    private void reply(WireOut frame) {
        int payload = frame.length() - Wire.LENGTH_FIELD;
        if (payload > clientMaxReply && clientMaxReply >= Wire.RESPONSE_HEADER) {
            long callId = WireIn.getLong(frame.frame(), Wire.CALL_ID_AT);
            frame = CallDispatcher.error(callId, FsException.of(Errno.E2BIG,
                    "reply of %d bytes exceeds the client's limit of %d", payload, clientMaxReply));
        }
        try {
            write(frame.frame(), frame.length());
        } catch (IOException e) {
            LOG.log(DEBUG, "reply to {0} lost: {1}", peer, e.getMessage());
            close();
        }
    }

    private void write(byte[] b, int len) throws IOException {
        writeLock.lock();
        try {
            out.write(b, 0, len);
        } finally {
            writeLock.unlock();
        }
    }

    void close() {
        server.forget(this);
        Socket s = socket;
        if (s != raw) RpcServer.closeQuietly(s);
        RpcServer.closeQuietly(raw);
    }
}
