package io.tarn.client;

import io.tarn.api.Change;
import io.tarn.api.ChangeBatch;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows the metadata server's change feed for one session (ADR 0120): a long poll in a loop on a
 * platform thread of its own, never on a thread the kernel waits on, so the listener may send FUSE
 * notify messages. For each batch it first drops this client's own caches, then counts the batch in
 * {@link #stamp()}, then tells the listener (the kernel). A reset (server restart, or this client fell
 * behind what the server keeps) drops everything. While the feed does not answer, {@link #live()} is
 * false and callers fall back to short cache timeouts.
 */
final class ChangeFollower implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChangeFollower.class.getName());
    static final int MAX_BATCH = 4096, WAIT_MILLIS = 10_000;
    private static final long MAX_BACKOFF_MILLIS = 1000, EXCLUSIVE_WAIT_MILLIS = 1000;

    /** What the client above does with changes; called from the follower's thread only. */
    interface Sink {
        void changed(List<Change> changes);

        void dropAll();
    }

    private final MetaService meta;
    private final long session;
    private final Sink own;
    private final AtomicLong stamp = new AtomicLong();
    private volatile Vfs.ChangeListener listener;
    /** What of a pushed batch reaches the listener (the kernel); see {@link #filterPushed}. */
    private volatile java.util.function.UnaryOperator<List<Change>> pushedFilter = java.util.function.UnaryOperator.identity();
    /** Held while a batch is delivered, so a caller of {@link #exclusively} never overlaps one. */
    private final java.util.concurrent.locks.ReentrantLock delivering = new java.util.concurrent.locks.ReentrantLock();
    private volatile boolean live, closed;
    private final Thread thread;

    ChangeFollower(MetaService meta, long session, Sink own) {
        this.meta = meta;
        this.session = session;
        this.own = own;
        this.thread = Thread.ofPlatform().daemon().name("tarn-changes-" + session).start(this::run);
    }

    /** Grows before any change from another client is passed on; a reply made while it moved may be stale. */
    long stamp() {
        return stamp.get();
    }

    /** True while the server's changes reach this client, so caches may be trusted longer. */
    boolean live() {
        return live && !closed;
    }

    void listen(Vfs.ChangeListener l) {
        listener = l;
    }

    /** Sets what of each pushed batch goes on to the listener; changes found out here ({@link #deliverHere}) all go. */
    void filterPushed(java.util.function.UnaryOperator<List<Change>> filter) {
        pushedFilter = filter;
    }

    /**
     * Runs {@code r} between pushed batches: a batch whose delivery began before is fully delivered first
     * (its kernel notifications written), and the next one waits until {@code r} returns. The wait is
     * bounded: a batch's entry notifications take directory locks in the kernel, whose holders may wait
     * for the FUSE worker calling this; after {@link #EXCLUSIVE_WAIT_MILLIS} {@code r} runs anyway.
     */
    void exclusively(Runnable r) {
        boolean held = false;
        try {
            held = delivering.tryLock(EXCLUSIVE_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            r.run();
        } finally {
            if (held) delivering.unlock();
        }
    }

    private void run() {
        long feed = 0, cursor = 0, backoff = 0;
        boolean complained = false;
        while (!closed) {
            ChangeBatch b;
            try {
                b = meta.changes(session, feed, cursor, MAX_BATCH, WAIT_MILLIS);
            } catch (FsException e) {
                live = false;
                if (closed) return;
                if (e.errno() == Errno.ENOSYS) {
                    LOG.log(System.Logger.Level.INFO, "the metadata server pushes no changes ({0}): caches time out instead", e.getMessage());
                    return;
                }
                if (!complained) LOG.log(System.Logger.Level.WARNING, "change feed of session {0}: {1}; retrying", session, e.getMessage());
                complained = true;
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(20, backoff * 2));
                try {
                    Thread.sleep(backoff); // a timer: the retry backoff while the feed is unreachable
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            } catch (RuntimeException e) {
                live = false;
                if (closed) return;
                LOG.log(System.Logger.Level.ERROR, "change feed of session " + session + " stopped", e);
                return;
            }
            if (closed) return;
            if (complained) LOG.log(System.Logger.Level.INFO, "change feed of session {0} is back", session);
            complained = false;
            backoff = 0;
            boolean reset = b.reset() || b.feed() != feed;
            feed = b.feed();
            cursor = b.cursor();
            if (!reset && b.changes().isEmpty()) {
                live = true;
                continue;
            }
            try {
                deliver(reset, b.changes());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "applying pushed changes failed: " + e, e);
            }
            live = true;
        }
    }

    /**
     * Passes on changes of inodes (not entries) that this client found out about itself, on the calling
     * thread: dropping an inode's pages and attributes takes no directory lock, so a request thread may.
     */
    void deliverHere(List<Change> changes) {
        stamp.incrementAndGet();
        Vfs.ChangeListener l = listener;
        if (l != null) l.changed(changes);
    }

    private void deliver(boolean reset, List<Change> changes) {
        delivering.lock();
        try {
            if (reset) own.dropAll();
            else own.changed(changes);
            stamp.incrementAndGet();
            Vfs.ChangeListener l = listener;
            if (l == null) return;
            if (reset) l.dropAll();
            else l.changed(pushedFilter.apply(changes));
        } finally {
            delivering.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        live = false;
        thread.interrupt();
    }
}
