package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.BufferedInputStream;
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
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore callsInFlight = new Semaphore(MAX_CALLS_IN_FLIGHT);
    private final Semaphore bytesInFlight = new Semaphore(MAX_BYTES_IN_FLIGHT);
    private final String peer;
    private int clientMaxReply;

    ServerConnection(RpcServer server, Socket socket) throws IOException {
        this.server = server;
        this.socket = socket;
        this.peer = String.valueOf(socket.getRemoteSocketAddress());
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
    }

    void serve() {
        try {
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
            // Point reads are a few microseconds: running them here saves a thread hand-off; anything that may wait runs apart.
            Runnable call = () -> {
                try {
                    reply(server.dispatcher().handle(payload, length, arrival));
                } finally {
                    release(cost);
                }
            };
            if (!(isPointRead(payload) ? server.runHere(call) : server.submit(call))) return;
        }
    }

    private void release(int cost) {
        bytesInFlight.release(cost);
        callsInFlight.release();
    }

    private static boolean isPointRead(byte[] payload) {
        Op op = Op.of(payload[8] & 0xff);
        return op != null && op.pointRead();
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
        RpcServer.closeQuietly(socket);
    }
}
