package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Keeps the sessions a client opened alive with periodic heartbeats, and checks them again when
 * the server restarted (sessions live in the server's store, so they normally survive). A session
 * the server no longer knows is logged and dropped; calls using it then fail with the server's ESTALE.
 */
final class SessionKeeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionKeeper.class.getName());
    private final MetaService svc;
    private final String server;
    private final Duration interval;
    private final Set<Long> sessions = ConcurrentHashMap.newKeySet();
    private volatile Thread beater;
    private volatile boolean closed;

    SessionKeeper(MetaService svc, String server, Duration interval) {
        this.svc = svc;
        this.server = server;
        this.interval = interval;
    }

    void start() {
        if (!interval.isZero()) beater = Thread.ofVirtual().name("tarn-rpc-heartbeat-" + server).start(this::beat);
    }

    void track(long session) {
        sessions.add(session);
    }

    void untrack(long session) {
        sessions.remove(session);
    }

    /** Checks every tracked session after a server restart, off the caller's thread. */
    void revalidate() {
        if (sessions.isEmpty() || closed) return;
        Thread.ofVirtual().name("tarn-rpc-revalidate-" + server).start(() -> {
            int total = sessions.size();
            int ok = heartbeatAll();
            LOG.log(INFO, "metadata server {0} restarted: {1} of {2} sessions still valid", server, ok, total);
        });
    }

    private int heartbeatAll() {
        int ok = 0;
        for (long s : sessions) {
            if (closed) break;
            try {
                svc.heartbeat(s);
                ok++;
            } catch (FsException e) {
                if (e.errno() == Errno.ESTALE || e.errno() == Errno.ENOENT) {
                    sessions.remove(s);
                    LOG.log(WARNING, "session {0} is no longer valid on metadata server {1}: {2}", s, server, e.getMessage());
                } else if (!closed) {
                    LOG.log(DEBUG, "heartbeat of session {0} failed: {1}", s, e.getMessage());
                }
            }
        }
        return ok;
    }

    private void beat() {
        while (!closed) {
            try {
                Thread.sleep(interval); // a timer: heartbeats go out every interval, nothing to wait on
            } catch (InterruptedException e) {
                return;
            }
            heartbeatAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = beater;
        if (t != null) t.interrupt();
    }
}
