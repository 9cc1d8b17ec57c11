package io.tarn.fuse;

import io.tarn.fuse.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A platform thread that reads requests from one queue and dispatches them inline. It blocks in
 * read(2) and ends when the connection does, or after the request it is serving once the session
 * is stopping (a handoff wakes it with a request of its own). In poll mode it waits in poll(2) on
 * its non-blocking queue and the session's stop eventfd instead.
 */
final class Worker implements Runnable {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    private final FuseSession session;
    final Queue queue;
    private final MemorySegment in;
    private final int outCapacity;
    private Outbox out;
    private final MemorySegment pollFds;
    private final int stopFd;

    Worker(FuseSession session, Queue queue, int inCapacity, int outCapacity, int stopFd) {
        this.session = session;
        this.queue = queue;
        this.in = Arena.ofAuto().allocate(inCapacity, 4096);
        this.outCapacity = outCapacity;
        this.out = Outbox.allocate(outCapacity);
        this.stopFd = stopFd;
        if (stopFd >= 0) {
            pollFds = Arena.ofAuto().allocate(16, 8);
            pollFds.set(JAVA_INT, 0, queue.fd);
            pollFds.set(JAVA_SHORT, 4, (short) Libc.POLLIN);
            pollFds.set(JAVA_INT, 8, stopFd);
            pollFds.set(JAVA_SHORT, 12, (short) Libc.POLLIN);
        } else {
            pollFds = null;
        }
    }

    Outbox outbox() {
        return out;
    }

    /** Gives the current reply buffer to a deferred request and takes a fresh one. */
    Outbox detachOutbox() {
        Outbox o = out;
        out = Outbox.allocate(outCapacity);
        return o;
    }

    @Override
    public void run() {
        try {
            loop();
        } finally {
            session.workerEnded(this);
        }
    }

    private void loop() {
        while (!queue.closed) {
            if (pollFds != null) {
                pollFds.set(JAVA_SHORT, 6, (short) 0);
                pollFds.set(JAVA_SHORT, 14, (short) 0);
                int p = Libc.poll(pollFds, 2, -1);
                if (p < 0 && p != -Libc.EINTR) {
                    LOG.log(System.Logger.Level.ERROR, "poll on /dev/fuse failed: {0}", Libc.describe(-p));
                    return;
                }
                if (pollFds.get(JAVA_SHORT, 14) != 0) return; // stop requested
                if (p <= 0) continue;
            }
            long n = Libc.read(queue.fd, in, in.byteSize());
            if (n < 0) {
                int e = (int) -n;
                if (e == Libc.EINTR || e == Libc.EAGAIN || e == Libc.ENOENT) continue;
                if (e == Libc.ENODEV) {
                    session.connectionEnded();
                    return;
                }
                if (queue.closed) return;
                LOG.log(System.Logger.Level.ERROR, "reading /dev/fuse failed: {0}; worker stops", Libc.describe(e));
                return;
            }
            if (n == 0) { // end of file: only a socket stand-in for /dev/fuse does this
                session.connectionEnded();
                return;
            }
            try {
                session.dispatcher.dispatch(queue, this, in, (int) n);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request handling failed", e);
            }
            if (session.isStopping()) return;
        }
    }
}
