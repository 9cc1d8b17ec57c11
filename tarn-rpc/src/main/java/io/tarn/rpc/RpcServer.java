package io.tarn.rpc;

import io.tarn.api.MetaService;
import io.tarn.api.ObjectStore;
import io.tarn.api.auth.AccessToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Serves one {@link MetaService} on a TCP port with the protocol of docs/adr/0030-rpc-protocol.md.
 * Each connection has a reader thread; each request runs on its own virtual thread, so calls on one
 * connection proceed concurrently. A client that sends garbage gets an error reply or a closed
 * connection and a log line; nobody else notices. The service is not closed by this server.
 */
public final class RpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    /** How long {@link #close()} waits for running calls before returning; the service may close after it. */
    private static final Duration DRAIN = Duration.ofSeconds(10);

    private final ServerSocket listener;
    private final Served served;
    private final ServerSecurity security;
    private final int maxFrame;
    private final long epoch = new SecureRandom().nextLong();
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Object drainLock = new Object();
    private final AtomicInteger running = new AtomicInteger();
    /** Calls that only wait (change-feed polls): close() interrupts them instead of waiting them out. */
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private RpcServer(Served served, ServerSocket listener, int maxFrame, ServerSecurity security) {
        this.served = served;
        this.security = security;
        this.listener = listener;
        this.maxFrame = maxFrame;
        this.acceptor = Thread.ofPlatform().daemon().name("tarn-rpc-accept-" + listener.getLocalPort()).start(this::acceptLoop);
    }

    /** Binds {@code addr} (port 0 picks a free one) and starts serving {@code svc}. */
    public static RpcServer start(MetaService svc, InetSocketAddress addr) {
        return start(svc, addr, Wire.DEFAULT_MAX_FRAME);
    }

    /** As {@link #start(MetaService, InetSocketAddress)} with a limit on request frame size in bytes. */
    public static RpcServer start(MetaService svc, InetSocketAddress addr, int maxFrameBytes) {
        return start(svc, addr, maxFrameBytes, ServerSecurity.NONE);
    }

    /** As {@link #start(MetaService, InetSocketAddress)} with TLS and access tokens as {@code security} says (ADR 0100). */
    public static RpcServer start(MetaService svc, InetSocketAddress addr, ServerSecurity security) {
        return start(svc, addr, Wire.DEFAULT_MAX_FRAME, security);
    }

    public static RpcServer start(MetaService svc, InetSocketAddress addr, int maxFrameBytes, ServerSecurity security) {
        return start(new MetaServed(svc, security.tokens()), addr, maxFrameBytes, security);
    }

    /**
     * Serves an object store (a proxy, ADR 0140) instead of the metadata service: the same transport, TLS
     * and AUTHENTICATE, with the object store opcodes. {@code security.tokens()} checks presented tokens;
     * {@code access} says what each connection reaches.
     */
    public static RpcServer serveObjects(ObjectStoreAccess access, InetSocketAddress addr, ServerSecurity security) {
        return start(new Served() {
            @Override
            public Dispatch open() {
                return new ObjectStoreDispatcher(access.anonymous());
            }

            @Override
            public Dispatch guarded(AccessToken token, String peer) {
                return new ObjectStoreDispatcher(access.forToken(token, peer));
            }

            @Override
            public String what() {
                return "proxy";
            }
        }, addr, Wire.DEFAULT_MAX_FRAME, security);
    }

    /** The metadata service, guarded per connection by its token (ADR 0100). */
    private record MetaServed(MetaService svc, io.tarn.api.auth.AccessTokens tokens, CallDispatcher full,
                              Map<Long, String> knownSessions) implements Served {
        MetaServed(MetaService svc, io.tarn.api.auth.AccessTokens tokens) {
            this(svc, tokens, new CallDispatcher(svc, tokens), new ConcurrentHashMap<>());
        }

        @Override
        public Dispatch open() {
            return full;
        }

        @Override
        public Dispatch guarded(AccessToken token, String peer) {
            TokenGuard guard = new TokenGuard(svc, tokens, token, peer, knownSessions);
            return new CallDispatcher(guard, guard);
        }

        @Override
        public String what() {
            return "metadata server";
        }
    }

    private static RpcServer start(Served served, InetSocketAddress addr, int maxFrameBytes, ServerSecurity security) {
        try {
            ServerSocket s = new ServerSocket();
            // A restarted server must be able to take its port back while old connections sit in TIME_WAIT.
            s.setReuseAddress(true);
            s.bind(addr, 512);
            RpcServer server = new RpcServer(served, s, maxFrameBytes, security);
            LOG.log(INFO, "{0} RPC listening on {1} ({2}, {3})", served.what(), s.getLocalSocketAddress(),
                    security.tls() == null ? "plain TCP" : security.tls(),
                    security.tokensRequired() ? "access tokens required" : "no access token required");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + addr + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** A random number fixed for this server's life: clients see a restart as a new epoch. */
    long epoch() {
        return epoch;
    }

    int maxFrame() {
        return maxFrame;
    }

    Served served() {
        return served;
    }

    ServerSecurity security() {
        return security;
    }

    /** Open client connections, for tests and operators. */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(WARNING, "accept failed on port " + port() + ": " + e.getMessage());
                    // e.g. out of file descriptors: do not spin while the condition lasts
                    LockSupport.parkNanos(50_000_000);
                }
                continue;
            }
            try {
                s.setTcpNoDelay(true);
                // The TLS handshake, if any, runs on the connection's own thread: a slow client cannot stall accepting.
                ServerConnection c = new ServerConnection(this, s);
                connections.add(c);
                if (closed) c.close();
                else Thread.ofPlatform().daemon().name("tarn-rpc-conn-" + s.getRemoteSocketAddress()).start(c::serve);
            } catch (IOException e) {
                LOG.log(DEBUG, "dropping connection from {0}: {1}", s.getRemoteSocketAddress(), e.getMessage());
                closeQuietly(s);
            }
        }
    }

    void forget(ServerConnection c) {
        connections.remove(c);
    }

    /** Runs a call on its own virtual thread, counted so that {@link #close()} can wait for it; false once closed. */
    boolean submit(Runnable call) {
        if (!enter()) return false;
        Thread.ofVirtual().start(() -> {
            try {
                call.run();
            } finally {
                exit();
            }
        });
        return true;
    }

    /** Like {@link #submit} for a call that may wait long doing nothing: {@link #close()} interrupts it. */
    boolean submitWaiting(Runnable call) {
        if (!enter()) return false;
        Thread.ofVirtual().start(() -> {
            waiting.add(Thread.currentThread());
            try {
                if (!closed) call.run();
            } finally {
                waiting.remove(Thread.currentThread());
                exit();
            }
        });
        return true;
    }

    /** Runs a call on the caller's thread, counted like {@link #submit}; false once closed. */
    boolean runHere(Runnable call) {
        if (!enter()) return false;
        try {
            call.run();
        } finally {
            exit();
        }
        return true;
    }

    private boolean enter() {
        running.incrementAndGet();
        // Checked after counting: close() sets the flag before it reads the count, so one of us sees the other.
        if (closed) {
            exit();
            return false;
        }
        return true;
    }

    private void exit() {
        if (running.decrementAndGet() == 0 && closed) {
            synchronized (drainLock) {
                drainLock.notifyAll();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Stops accepting, drops every connection (clients retry elsewhere or after a restart) and waits
     * up to 10 s for calls already running, so the service can be closed safely afterwards.
     */
    @Override
    public void close() {
        synchronized (drainLock) {
            if (closed) return;
            closed = true;
        }
        closeQuietly(listener);
        for (ServerConnection c : connections) c.close();
        waiting.forEach(Thread::interrupt);
        long end = System.nanoTime() + DRAIN.toNanos();
        synchronized (drainLock) {
            while (running.get() > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    LOG.log(WARNING, "{0} {1} calls still running after {2}; closing anyway", running.get(), served.what(), DRAIN);
                    break;
                }
                try {
                    drainLock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try {
            acceptor.join(DRAIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(INFO, "{0} RPC on port {1} closed", served.what(), String.valueOf(port()));
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            if (!(e instanceof SocketException)) LOG.log(DEBUG, "close failed: {0}", e.toString());
        }
    }
}
