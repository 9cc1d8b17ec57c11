package io.tarn.fuse;

import io.tarn.fuse.proto.Proto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An off-heap reply buffer (header then payload) and the iovec array for gathering writes. */
final class Outbox {
    static final int IOV_MAX = 64;
    private static final ThreadLocal<Outbox> LOCAL = ThreadLocal.withInitial(() -> allocate(256 * 1024));
    final MemorySegment buf;
    final MemorySegment iov;

    private Outbox(MemorySegment buf, MemorySegment iov) {
        this.buf = buf;
        this.iov = iov;
    }

    static Outbox allocate(int payload) {
        Arena a = Arena.ofAuto();
        return new Outbox(a.allocate(Proto.OUT_HEADER + (long) payload, 4096), a.allocate(16L * (IOV_MAX + 1), 8));
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
