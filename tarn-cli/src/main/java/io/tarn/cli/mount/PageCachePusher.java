package io.tarn.cli.mount;

import io.tarn.client.Vfs;
import io.tarn.fuse.Notifier;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Read-around for small random reads (ADR 0070, Decision 8). The kernel reads ahead for sequential
 * readers only. A random reader sends one 4 KiB READ per page, and each READ is a round trip through
 * the daemon, even when the block holding it is already in the client's memory. After such a READ is
 * answered from memory, this pushes the aligned {@link #REGION} around it into the kernel's page cache
 * (FUSE_NOTIFY_STORE). The next reads of its other pages are then page-cache hits, with no round trip.
 * <p>
 * The bytes pushed are what a read through the same handle returns ({@link Vfs#peekCached}). A push must
 * never leave bytes in the kernel that a change has made stale:
 * <ul>
 * <li>Changes through this mount: a file is not pushed while a handle on it is open for writing, and
 *     an open for writing or a truncation first waits for a push of its file under way
 *     ({@link #addWriter}, {@link #awaitNoPush}).</li>
 * <li>Other clients' changes, and data this client finds changed when it takes a lock: the client drops
 *     its own caches, then moves {@link Vfs#changeStamp}, then has the kernel drop the file's pages. A
 *     push checks the stamp before it stores, and the kernel is told only once no push of the file is
 *     under way ({@link KernelInvalidator} calls {@link #awaitNoPush}). A push that read old bytes either
 *     sees the stamp move and stores nothing, or stores before the kernel drops the pages.</li>
 * </ul>
 * A push sends no invalidation of its own: an invalidation makes the kernel discard the attributes of a
 * GETATTR in flight, and a read could then use a stale size.
 * <p>
 * Pushes run on one thread of their own, after the worker has replied. The READ's own pages stay locked
 * in the kernel until that reply, and a store into a locked page waits; so does anyone waiting for that
 * push, until a worker has answered those READs. Opens and truncations wait on a virtual thread; a lock
 * that finds data changed waits on the worker that took it, so with every worker waiting so the READs
 * would go unanswered: each wait ends after {@link #MAX_WAIT_NANOS} with a warning. Requests that find
 * the queue full are dropped: read-around is an optimisation and never holds back a reply.
 */
final class PageCachePusher implements AutoCloseable {
    /** The aligned range pushed around a small random READ: 32 pages. */
    static final int REGION = 128 << 10;
    /** READs up to this size trigger a push; sequential readers get larger READs from the kernel's read-ahead. */
    static final int TRIGGER = 16 << 10;
    private static final long MAX_WAIT_NANOS = 10_000_000_000L;
    /**
     * Pushes per second at most (1 GiB/s of regions, about a quarter of a core here): a random reader
     * with no locality gains nothing from them, and must not cost a core.
     */
    static final int MAX_PER_SECOND = 8192;
    private static final System.Logger LOG = System.getLogger(PageCachePusher.class.getName());

    private record Push(long nodeId, long fh, long offset) {}

    private final Notifier notifier;
    private final Vfs vfs;
    private final ArrayBlockingQueue<Push> queue = new ArrayBlockingQueue<>(64);
    /** The current one-second window (System.nanoTime() >> 30) in the high bits, pushes asked for in it in the low 20. */
    private final AtomicLong window = new AtomicLong();
    private final Thread thread;
    /** Per kernel node: handles open for writing (and truncations running), and pushes under way. */
    private final Map<Long, Integer> writers = new HashMap<>(), pushing = new HashMap<>();

    PageCachePusher(Notifier notifier, Vfs vfs) {
        this.notifier = notifier;
        this.vfs = vfs;
        this.thread = Thread.ofPlatform().daemon().name("tarn-read-around").start(this::run);
    }

    /** A READ of {@code size} bytes at {@code offset} of {@code nodeId} through {@code fh} was answered from memory. */
    void answered(long nodeId, long fh, long offset, int size) {
        if (size > TRIGGER) return;
        long start = offset / REGION * REGION;
        // A READ that already spans the region leaves nothing to push.
        if (offset == start && size >= REGION) return;
        if (!withinRate(window, System.nanoTime() >> 30, MAX_PER_SECOND)) return;
        queue.offer(new Push(nodeId, fh, start));
    }

    /**
     * Counts a handle open for writing (or a truncation) on {@code nodeId}: no push of it starts until
     * {@link #removeWriter}. True if a push is under way: then call {@link #awaitNoPush} before changing
     * the file, off the FUSE workers.
     */
    synchronized boolean addWriter(long nodeId) {
        writers.merge(nodeId, 1, Integer::sum);
        return pushing.containsKey(nodeId);
    }

    synchronized void removeWriter(long nodeId) {
        writers.computeIfPresent(nodeId, (k, n) -> n > 1 ? n - 1 : null);
    }

    /** Waits until no push of {@code nodeId} is under way (at most {@link #MAX_WAIT_NANOS}). */
    void awaitNoPush(long nodeId) {
        await(() -> pushing.containsKey(nodeId), "of node " + nodeId);
    }

    /** Waits until no push at all is under way (at most {@link #MAX_WAIT_NANOS}): before the kernel drops everything. */
    void awaitNoPushes() {
        await(() -> !pushing.isEmpty(), "");
    }

    private synchronized void await(BooleanSupplier busy, String which) {
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        boolean interrupted = false;
        while (busy.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.log(System.Logger.Level.WARNING, "a read-around push {0} is still running after {1} s; going on",
                        which, MAX_WAIT_NANOS / 1_000_000_000L);
                break;
            }
            try {
                wait(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private synchronized boolean startPush(long nodeId) {
        if (writers.containsKey(nodeId)) return false;
        pushing.merge(nodeId, 1, Integer::sum);
        return true;
    }

    private synchronized void endPush(long nodeId) {
        pushing.computeIfPresent(nodeId, (k, n) -> n > 1 ? n - 1 : null);
        notifyAll();
    }

    /**
     * Counts one event in {@code window} for the period {@code now} (a clock in periods); false, counting
     * nothing, once the period has had {@code max}. {@code window} holds the period in its high bits and
     * the count in the low 20.
     */
    static boolean withinRate(AtomicLong window, long now, int max) {
        while (true) {
            long w = window.get();
            long next = (w >> 20) == now ? w + 1 : now << 20 | 1;
            if ((next & 0xFFFFF) > max) return false;
            if (window.compareAndSet(w, next)) return true;
        }
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            Push p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                push(p);
            } catch (RuntimeException e) {
                // The handle was closed meanwhile, or the read failed: nothing is pushed, nothing is lost.
                LOG.log(System.Logger.Level.DEBUG, "read-around of node {0} at {1} skipped: {2}", p.nodeId, p.offset, e.toString());
            }
        }
    }

    private void push(Push p) {
        if (!startPush(p.nodeId)) return;
        try {
            long stamp = vfs.changeStamp();
            ByteBuffer b = vfs.peekCached(p.fh, p.offset, REGION);
            if (b == null || !b.hasRemaining() || vfs.changeStamp() != stamp) return;
            notifier.store(p.nodeId, p.offset, MemorySegment.ofBuffer(b)); // -ENOENT: the kernel forgot the node
        } finally {
            endPush(p.nodeId);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
