package io.tarn.fuse;

import io.tarn.fuse.proto.Proto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;

/** An off-heap reply buffer (header then payload) and the iovec array for gathering writes. */
final class Outbox {
    static final int IOV_MAX = 64;
    private static final ThreadLocal<Outbox> LOCAL = ThreadLocal.withInitial(() -> allocate(256 * 1024));
    /** Payload sizes of the spare buffers that replies from virtual threads borrow: small replies, and READ data. */
    static final int SMALL = 4096, LARGE = 1 << 20;
    // Bounded: beyond this many replies in flight at once, the extra buffers are left to the garbage collector.
    private static final ArrayBlockingQueue<Outbox> SMALL_SPARES = new ArrayBlockingQueue<>(64);
    private static final ArrayBlockingQueue<Outbox> LARGE_SPARES = new ArrayBlockingQueue<>(8);
    final MemorySegment buf;
    final MemorySegment iov;
    private final boolean spare;

    private Outbox(MemorySegment buf, MemorySegment iov, boolean spare) {
        this.buf = buf;
        this.iov = iov;
        this.spare = spare;
    }

    static Outbox allocate(int payload) {
        return allocate(payload, false);
    }

    private static Outbox allocate(int payload, boolean spare) {
        Arena a = Arena.ofAuto();
        return new Outbox(a.allocate(Proto.OUT_HEADER + (long) payload, 4096), a.allocate(16L * (IOV_MAX + 1), 8), spare);
    }

    /**
     * A buffer for one reply from a thread that is not a worker; hand it back with {@link #giveBack}.
     * Deferred replies come from short-lived virtual threads, and a fresh native buffer per reply costs an
     * allocation, zero-filling and a Cleaner run (about a quarter of the daemon's sampled CPU in a JFR
     * profile of cached 4 KiB reads), so buffers of two sizes are kept for reuse.
     */
    static Outbox borrow(int payload) {
        if (!Thread.currentThread().isVirtual()) return local(payload);
        if (payload > LARGE) return allocate(payload);
        boolean small = payload <= SMALL;
        Outbox b = (small ? SMALL_SPARES : LARGE_SPARES).poll();
        return b != null ? b : allocate(small ? SMALL : LARGE, true);
    }

    /** Returns a buffer from {@link #borrow} once its reply is written; others are ignored. */
    static void giveBack(Outbox b) {
        if (b.spare) (b.capacity() <= SMALL ? SMALL_SPARES : LARGE_SPARES).offer(b);
    }

    /** A buffer for replies written by threads that are not workers (deferred replies, notifications). */
    static Outbox local(int payload) {
        // A virtual thread usually replies once and ends: a thread-local 256 KiB buffer would be
        // allocated and zero-filled per reply (a third of the daemon's CPU in a profile of small-file
        // work). Such threads get a buffer of the size they need instead.
        if (Thread.currentThread().isVirtual()) return allocate(Math.max(payload, 64));
        Outbox b = LOCAL.get();
        if (b.buf.byteSize() >= Proto.OUT_HEADER + (long) payload) return b;
        return allocate(payload);
    }

    MemorySegment payload(int size) {
        return buf.asSlice(Proto.OUT_HEADER, Math.min(size, buf.byteSize() - Proto.OUT_HEADER));
    }

    int capacity() {
        return (int) (buf.byteSize() - Proto.OUT_HEADER);
    }
}
