package io.tarn.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An application on its own thread doing one operation after another, timing each: the longest
 * operation is the longest pause that application saw. The first failure stops the loop and is kept
 * for the test to report. Callers wait for progress with {@link #awaitCount}, a condition, not a sleep.
 */
final class TimedLoop implements AutoCloseable {
    /** One step of the application; {@code i} counts from 0. */
    interface Step {
        void run(long i) throws Exception;
    }

    /** An operation that took long: when it started (System.nanoTime) and how long it took. */
    record SlowOp(long startNanos, long nanos) {
        long endNanos() {
            return startNanos + nanos;
        }
    }

    private static final long SLOW_NANOS = 20_000_000;

    final String name;
    private final Step step;
    private final Thread thread;
    private final List<SlowOp> slow = new ArrayList<>();
    private volatile boolean stopping;
    private long count;
    private long longest;
    private Throwable failure;

    private TimedLoop(String name, Step step) {
        this.name = name;
        this.step = step;
        this.thread = Thread.ofPlatform().daemon().name("app-" + name).unstarted(this::loop);
    }

    static TimedLoop start(String name, Step step) {
        TimedLoop l = new TimedLoop(name, step);
        l.thread.start();
        return l;
    }

    private void loop() {
        for (long i = 0; !stopping; i++) {
            long t0 = System.nanoTime();
            try {
                step.run(i);
            } catch (Throwable t) {
                synchronized (this) {
                    failure = t;
                    notifyAll();
                }
                return;
            }
            long took = System.nanoTime() - t0;
            synchronized (this) {
                count++;
                longest = Math.max(longest, took);
                if (took >= SLOW_NANOS) slow.add(new SlowOp(t0, took));
                notifyAll();
            }
        }
    }

    synchronized long count() {
        return count;
    }

    synchronized long longestNanos() {
        return longest;
    }

    synchronized Throwable failure() {
        return failure;
    }

    /** The longest operation that overlapped {@code [from, to]} (nanoTime), in nanoseconds; 0 if none was slow. */
    synchronized long longestWithin(long from, long to) {
        long m = 0;
        for (SlowOp o : slow) if (o.startNanos() <= to && o.endNanos() >= from) m = Math.max(m, o.nanos());
        return m;
    }

    /** Waits until the loop has done {@code n} operations in all; fails at once if it failed, or after {@code timeout}. */
    synchronized void awaitCount(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count < n && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new AssertionError(name + " did only " + count + " of " + n + " operations within " + timeout);
            wait(Math.max(1, left / 1_000_000));
        }
        if (failure != null) throw new AssertionError(name + " failed after " + count + " operations: " + failure, failure);
    }

    /** Stops after the current operation and waits for it; fails if the application saw an error. */
    void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        thread.join(timeout);
        if (thread.isAlive()) throw new AssertionError(name + " did not finish its last operation within " + timeout);
        Throwable f = failure();
        if (f != null) throw new AssertionError(name + " failed after " + count() + " operations: " + f, f);
    }

    @Override
    public void close() {
        stopping = true;
    }
}
