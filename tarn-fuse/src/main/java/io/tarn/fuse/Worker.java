package io.tarn.fuse;

import io.tarn.fuse.proto.Opcode;
import io.tarn.fuse.proto.Proto;
import io.tarn.fuse.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A platform thread that reads requests from one queue and dispatches them inline. It blocks in
 * read(2) and ends when the connection does, or after the request it is serving once the session
 * is stopping (a handoff wakes it with a request of its own). In poll mode it reads its
 * non-blocking queue until it runs dry, optionally keeps trying for {@link FuseConfig#spinMicros},
 * then waits in poll(2) on the queue and the session's stop eventfd.
 */
final class Worker implements Runnable {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    private final FuseSession session;
    final Queue queue;
    /** in_header (40) + fuse_write_in (40): where a WRITE's data starts. */
    static final int HEAD = Proto.IN_HEADER + 40;
    private final MemorySegment in;
    private final MemorySegment readIov;
    private MemorySegment landing;
    /** True while the request being dispatched is a WRITE whose data sits in {@link #landing}. */
    private boolean landed;
    /** The request that was shown the landed data; only it may take the buffer, only on this thread. */
    private Request landedFor;
    private Thread thread;
    private final int outCapacity;
    private Outbox out;
    private final MemorySegment pollFds;
    private final int stopFd;
    private final long spinNanos;

    Worker(FuseSession session, Queue queue, int inCapacity, int outCapacity, int stopFd) {
        this.session = session;
        this.queue = queue;
        this.in = Arena.ofAuto().allocate(inCapacity, 4096);
        int landingSize = session.config.maxWrite();
        this.landing = Arena.ofAuto().allocate(landingSize, 4096);
        this.readIov = Arena.ofAuto().allocate(48, 8);
        readIov.set(ADDRESS, 0, in);
        readIov.set(JAVA_LONG, 8, HEAD);
        readIov.set(ADDRESS, 16, landing);
        readIov.set(JAVA_LONG, 24, landingSize);
        readIov.set(ADDRESS, 32, in.asSlice(HEAD + (long) landingSize));
        readIov.set(JAVA_LONG, 40, inCapacity - HEAD - (long) landingSize);
        this.outCapacity = outCapacity;
        this.out = Outbox.allocate(outCapacity);
        this.stopFd = stopFd;
        this.spinNanos = stopFd >= 0 ? session.config.spinMicros() * 1000L : 0;
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

    /** The data of the WRITE {@code r} being dispatched, if it landed on its own; null otherwise. */
    MemorySegment writeData(Request r, int size) {
        if (!landed) return null;
        landedFor = r;
        return landing.asSlice(0, size);
    }

    /**
     * Hands the landing buffer holding the current WRITE's data to the caller and reads the next
     * requests into {@code replacement}; null (nothing changes) if there is no such data or the
     * replacement is not native memory of exactly the landing buffer's size.
     */
    MemorySegment swapLanding(Request r, MemorySegment replacement) {
        if (Thread.currentThread() != thread || landedFor != r || !landed || !replacement.isNative() || replacement.byteSize() != landing.byteSize()) return null;
        MemorySegment data = landing;
        landing = replacement;
        readIov.set(ADDRESS, 16, replacement);
        landed = false;
        landedFor = null;
        return data;
    }

    /** Gives the current reply buffer to a deferred request and takes a fresh one. */
    Outbox detachOutbox() {
        Outbox o = out;
        out = Outbox.allocate(outCapacity);
        return o;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            loop();
        } finally {
            session.workerEnded(this);
        }
    }

    private void loop() {
        while (!queue.closed) {
            long n;
            if (pollFds != null) {
                // Non-blocking queue: read first (a busy queue costs no poll), spin if configured, then sleep in poll.
                n = Libc.readv(queue.fd, readIov, 3);
                if (n == -Libc.EAGAIN && spinNanos > 0) {
                    long until = System.nanoTime() + spinNanos;
                    do {
                        Thread.onSpinWait();
                        n = Libc.readv(queue.fd, readIov, 3);
                    } while (n == -Libc.EAGAIN && System.nanoTime() < until && !session.isStopping());
                }
                if (n == -Libc.EAGAIN) {
                    if (session.isStopping()) return;
                    pollFds.set(JAVA_SHORT, 6, (short) 0);
                    pollFds.set(JAVA_SHORT, 14, (short) 0);
                    int p = Libc.poll(pollFds, 2, -1);
                    if (p < 0 && p != -Libc.EINTR) {
                        LOG.log(System.Logger.Level.ERROR, "poll on /dev/fuse failed: {0}", Libc.describe(-p));
                        return;
                    }
                    if (pollFds.get(JAVA_SHORT, 14) != 0) return; // stop requested
                    continue;
                }
            } else {
                n = Libc.readv(queue.fd, readIov, 3);
            }
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
            if (n > HEAD) {
                // A WRITE without extensions keeps its data in the landing buffer; anything else is made contiguous.
                boolean write = Wire.i32(in, 4) == Opcode.WRITE && in.get(JAVA_SHORT, 36) == 0;
                if (!write) {
                    long tail = Math.min(n - HEAD, landing.byteSize());
                    MemorySegment.copy(landing, 0, in, HEAD, tail);
                }
                landed = write;
            }
            try {
                session.dispatcher.dispatch(queue, this, in, (int) n);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request handling failed", e);
            } finally {
                landed = false;
                landedFor = null;
            }
            if (session.isStopping()) return;
        }
    }
}
