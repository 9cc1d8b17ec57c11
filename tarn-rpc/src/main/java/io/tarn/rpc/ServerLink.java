package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The client's line to one metadata server (or proxy, ADR 0140): the current connection, and when it breaks, a
 * background reconnect with backoff while callers wait. Callers wait at most the ride-through
 * time counted from the start of the outage; after that they fail at once with the last error,
 * while reconnecting goes on so that a later call succeeds when the server is back.
 */
final class ServerLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServerLink.class.getName());
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String role, server;
    private final InetSocketAddress addr;
    private final RpcOptions opts;
    private final LongConsumer onNewEpoch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile ClientConnection current;
    private long outageStart;
    private Exception lastFailure;
    private boolean reconnecting;
    private boolean closed;
    private long epoch;
    private long reconnects;
    /** Set when the server refused this client for good (TLS mismatch, token refused): calls fail with it. */
    private FsException refused;
    private io.tarn.api.auth.AccessToken grant;

    /** Connects once within the connect timeout; fails with a one-line FsException naming the server. */
    ServerLink(String server, InetSocketAddress addr, RpcOptions opts, LongConsumer onNewEpoch) {
        this("metadata server", server, addr, opts, onNewEpoch);
    }

    /** As above for a server of {@code role} ("metadata server", "proxy"), the word messages name it by. */
    ServerLink(String role, String server, InetSocketAddress addr, RpcOptions opts, LongConsumer onNewEpoch) {
        this.role = role;
        this.server = server;
        this.addr = addr;
        this.opts = opts;
        this.onNewEpoch = onNewEpoch;
        try {
            current = open((int) opts.connectTimeout().toMillis());
            epoch = current.epoch();
            grant = current.grant();
        } catch (ClientConnection.Refused e) {
            throw e.reason;
        } catch (IOException e) {
            throw failure(e, "cannot connect to " + role + " " + server);
        }
    }

    private ClientConnection open(int timeoutMillis) throws IOException {
        // Resolved again on every connect: a server that comes back under the same name at a new address is found.
        InetSocketAddress target = new InetSocketAddress(addr.getHostString(), addr.getPort());
        if (target.isUnresolved()) throw new UnknownHostException(addr.getHostString());
        return ClientConnection.open(target, role, server, timeoutMillis, opts, this::lost);
    }

    String server() {
        return server;
    }

    long reconnects() {
        lock.lock();
        try {
            return reconnects;
        } finally {
            lock.unlock();
        }
    }

    /** What the server said this client's access token allows at the first connect, or null. */
    io.tarn.api.auth.AccessToken grant() {
        return grant;
    }

    /** A live connection, waiting for a reconnect if needed; ECONNREFUSED/ETIMEDOUT/EIO once the outage outlasts the ride-through. */
    ClientConnection await() {
        ClientConnection c = current;
        if (c != null && c.alive()) return c;
        lock.lock();
        try {
            while (true) {
                if (closed) throw FsException.of(Errno.EIO, "client of %s %s is closed", role, server);
                if (refused != null) throw refused;
                if (current != null) {
                    if (current.alive()) return current;
                    markLost(current);
                }
                long left = outageStart + opts.rideThrough().toNanos() - System.nanoTime();
                if (left <= 0)
                    throw failure(lastFailure, role + " " + server + " unreachable for "
                            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStart) + " ms");
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw FsException.of(Errno.EINTR, "interrupted while waiting for %s %s", role, server);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Reports that {@code c} broke; the first report starts an outage and a reconnect. */
    void lost(ClientConnection c) {
        lock.lock();
        try {
            if (current == c) markLost(c);
        } finally {
            lock.unlock();
        }
    }

    private void markLost(ClientConnection c) {
        current = null;
        c.close();
        outageStart = System.nanoTime();
        if (lastFailure == null) lastFailure = new ConnectException("connection lost");
        if (!reconnecting && !closed) {
            reconnecting = true;
            LOG.log(WARNING, "lost connection to {0} {1}; reconnecting", role, server);
            Thread.ofVirtual().name("tarn-rpc-reconnect-" + server).start(this::reconnect);
        }
    }

    private void reconnect() {
        long backoff = FIRST_BACKOFF_NANOS;
        int attempts = 0;
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    reconnecting = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            attempts++;
            ClientConnection c = null;
            Exception failure = null;
            try {
                c = open((int) Math.min(opts.connectTimeout().toMillis(), 1000));
            } catch (ClientConnection.Refused e) {
                // No retry makes a revoked token valid again: waiting callers fail now, and so will later calls.
                lock.lock();
                try {
                    refused = e.reason;
                    reconnecting = false;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                LOG.log(WARNING, "{0} {1} refused this client; not reconnecting: {2}", role, server, e.reason.getMessage());
                return;
            } catch (IOException e) {
                failure = e;
            }
            long previousEpoch;
            lock.lock();
            try {
                if (c != null && !closed) {
                    long down = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStart);
                    current = c;
                    reconnects++;
                    lastFailure = null;
                    reconnecting = false;
                    previousEpoch = epoch;
                    epoch = c.epoch();
                    changed.signalAll();
                    LOG.log(INFO, "reconnected to {0} {1} after {2} ms and {3} attempts{4}", role, server, down,
                            attempts, previousEpoch != epoch ? " (the server restarted)" : "");
                } else {
                    if (c != null) c.close();
                    if (failure != null) lastFailure = failure;
                    if (closed) {
                        reconnecting = false;
                        return;
                    }
                    changed.signalAll();
                    try {
                        changed.awaitNanos(backoff);
                    } catch (InterruptedException e) {
                        reconnecting = false;
                        return;
                    }
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
                    continue;
                }
            } finally {
                lock.unlock();
            }
            if (previousEpoch != c.epoch()) onNewEpoch.accept(c.epoch());
            return;
        }
    }

    /** The FsException for a failure to reach the server: the errno follows the cause, the message is one line. */
    FsException failure(Exception cause, String what) {
        Errno errno = switch (cause) {
            case ConnectException e -> Errno.ECONNREFUSED;
            case SocketTimeoutException e -> Errno.ETIMEDOUT;
            case NoRouteToHostException e -> Errno.EHOSTUNREACH;
            case UnknownHostException e -> Errno.EHOSTUNREACH;
            case null, default -> Errno.EIO;
        };
        String why = cause == null ? "" : cause instanceof UnknownHostException ? ": unknown host " + cause.getMessage()
                : cause.getMessage() == null ? ": " + cause.getClass().getSimpleName() : ": " + cause.getMessage();
        return new FsException(errno, what + why);
    }

    @Override
    public void close() {
        ClientConnection c;
        lock.lock();
        try {
            closed = true;
            c = current;
            current = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (c != null) c.close();
    }
}
