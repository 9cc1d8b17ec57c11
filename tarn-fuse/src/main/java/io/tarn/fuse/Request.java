package io.tarn.fuse;

import io.tarn.api.Caller;
import io.tarn.fuse.proto.Opcode;

import java.lang.foreign.MemorySegment;

/**
 * One request from the kernel as the filesystem sees it: who asks, and the means to answer later.
 * Valid until replied; a filesystem that calls {@link #defer()} owns the reply from then on.
 */
public final class Request {
    final Queue queue;
    final long unique;
    final int opcode;
    final long nodeId;
    private final int uid, gid, pid;
    final int[] groups;
    /** GETXATTR/LISTXATTR: the size the caller's buffer has (0 = probe). */
    int sizeArg;
    DirBuffer dir;
    /** Set when a reply buffer left the worker with this request. */
    Outbox box;
    Worker worker;
    private volatile Deferred<?> deferred;
    private volatile boolean interrupted;
    private Runnable onInterrupt;

    Request(Queue queue, long unique, int opcode, long nodeId, int uid, int gid, int pid, int[] groups) {
        this.queue = queue;
        this.unique = unique;
        this.opcode = opcode;
        this.nodeId = nodeId;
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
        this.groups = groups;
    }

    /**
     * The caller's credentials. Supplementary groups come with creating requests when the kernel sends
     * them, otherwise from {@code /proc} for callers other than root (whose checks do not need them).
     */
    public Caller caller() {
        int[] g = groups.length == 0 && uid != 0 && opcode != Opcode.INIT ? ProcGroups.of(pid, uid, gid) : groups;
        return new Caller(uid, gid, g, pid);
    }

    public int uid() { return uid; }

    public int gid() { return gid; }

    public int pid() { return pid; }

    public int opcode() { return opcode; }

    public long unique() { return unique; }

    /**
     * Takes over the reply: the method's return value is ignored and the returned handle must be
     * completed exactly once, from any thread. Call it inside the filesystem method, on the thread
     * that called it, before returning (the worker replies as soon as the method returns otherwise).
     */
    @SuppressWarnings("unchecked")
    public <T> Deferred<T> defer() {
        if (deferred != null) return (Deferred<T>) deferred;
        if (worker != null && (box != null || dir != null)) {
            box = worker.detachOutbox();
        }
        Deferred<T> d = new Deferred<>(this);
        deferred = d;
        queue.session.track(this);
        return d;
    }

    boolean isDeferred() {
        return deferred != null;
    }

    Deferred<?> deferred() {
        return deferred;
    }

    /**
     * WRITE only, inside the filesystem's {@code write} call on the thread that made it: takes over
     * the off-heap buffer the write's data was read into, without a copy. The returned segment has
     * the data at offset 0 (the {@code data} argument's bytes; its size is max_write) and belongs to
     * the caller from now on; the transport reads later requests into {@code replacement} instead,
     * which must be native memory of the same size and is the transport's from now on. Returns null
     * (and keeps nothing) when the data cannot be taken: not a WRITE, not on a worker, already taken,
     * or a replacement of the wrong size. Lets a filesystem that stores data in max_write-sized
     * blocks swap a full, aligned block in instead of copying it.
     */
    public MemorySegment takeData(MemorySegment replacement) {
        if (opcode != Opcode.WRITE || worker == null || replacement == null) return null;
        return worker.swapLanding(this, replacement);
    }

    /**
     * Off-heap scratch space of {@code size} bytes for building a READ reply in place; pass it (or a
     * slice of it) back in {@link Data} to avoid a copy.
     */
    public MemorySegment buffer(int size) {
        if (box == null) {
            box = worker != null && deferred == null ? worker.outbox() : Outbox.allocate(size);
        }
        return box.payload(size);
    }

    /** True once the kernel asked to interrupt this request (the caller got a signal). */
    public boolean isInterrupted() {
        return interrupted;
    }

    /** Runs {@code action} when the kernel interrupts this request (at once if it already did). */
    public void onInterrupt(Runnable action) {
        boolean now;
        queue.session.track(this);
        synchronized (this) {
            onInterrupt = action;
            now = interrupted;
        }
        if (now) action.run();
    }

    void interrupt() {
        Runnable r;
        synchronized (this) {
            interrupted = true;
            r = onInterrupt;
        }
        if (r != null) r.run();
    }

    @Override
    public String toString() {
        return Opcode.name(opcode) + "#" + unique + "(node " + nodeId + ")";
    }
}
