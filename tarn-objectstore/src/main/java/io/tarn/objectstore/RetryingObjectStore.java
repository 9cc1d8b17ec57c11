package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Retries the retryable failures of another store with exponential backoff and full jitter, within a
 * per-request deadline. Non-retryable failures pass at once. A listing that fails midway resumes after
 * the last key it delivered. The final failure carries the attempt count and the last cause.
 */
public final class RetryingObjectStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(RetryingObjectStore.class.getName());

    /** Waits between tries; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final ObjectStore inner;
    private final RetryPolicy policy;
    private final Sleeper sleeper;
    private final LongSupplier clock;

    public RetryingObjectStore(ObjectStore inner, RetryPolicy policy) {
        this(inner, policy, TimeUnit.NANOSECONDS::sleep, System::nanoTime);
    }

    public RetryingObjectStore(ObjectStore inner, RetryPolicy policy, Sleeper sleeper, LongSupplier nanoClock) {
        this.inner = inner;
        this.policy = policy;
        this.sleeper = sleeper;
        this.clock = nanoClock;
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        return retry("get " + key, () -> inner.get(key, offset, length));
    }

    @Override
    public void put(String key, ByteBuffer data) {
        retry("put " + key, () -> {
            inner.put(key, data.duplicate());
            return null;
        });
    }

    @Override
    public void delete(String key) {
        retry("delete " + key, () -> {
            inner.delete(key);
            return null;
        });
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return retry("head " + key, () -> inner.head(key));
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        ResumingIterator it = new ResumingIterator(prefix, startAfter);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(it::close);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }

    /** Runs {@code call} until it succeeds, fails for good, or the deadline or attempt budget is spent. */
    <T> T retry(String what, Supplier<T> call) {
        long start = clock.getAsLong();
        long deadline = policy.deadline().toNanos();
        for (int attempt = 1; ; attempt++) {
            ObjectStoreException failure;
            try {
                return attempt(what, call);
            } catch (ObjectStoreException e) {
                failure = e;
            }
            if (!failure.retryable()) throw failure;
            if (attempt >= policy.maxAttempts())
                throw new ObjectStoreException(what + ": gave up after " + attempt + " attempts: " + failure.getMessage(), true, failure);
            long wait = ThreadLocalRandom.current().nextLong(policy.capNanos(attempt) + 1);
            long elapsed = clock.getAsLong() - start;
            if (deadline > 0 && elapsed + wait >= deadline)
                throw new ObjectStoreException(what + ": deadline of " + policy.deadline() + " passed after " + attempt
                        + " attempts: " + failure.getMessage(), true, failure);
            LOG.log(System.Logger.Level.DEBUG, "{0} failed (attempt {1}), retrying in {2} ms: {3}",
                    what, attempt, wait / 1_000_000, failure.getMessage());
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ObjectStoreException(what + ": interrupted while waiting to retry", false, failure);
            }
        }
    }

    private <T> T attempt(String what, Supplier<T> call) {
        long timeout = policy.attemptTimeout().toNanos();
        if (timeout == 0) return call.get();
        FutureTask<T> task = new FutureTask<>(call::get);
        Thread t = Thread.ofVirtual().name("tarn-store-call").start(task);
        try {
            return task.get(timeout, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            t.interrupt();
            throw new ObjectStoreException(what + ": no answer within " + policy.attemptTimeout(), true, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ObjectStoreException ose) throw ose;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new ObjectStoreException(what + ": " + e.getCause(), false, e.getCause());
        } catch (InterruptedException e) {
            cancel(task);
            Thread.currentThread().interrupt();
            throw new ObjectStoreException(what + ": interrupted", false, e);
        }
    }

    private static void cancel(Future<?> f) {
        f.cancel(true);
    }

    /** Lists through the inner store, re-listing after the last delivered key when a page fails. */
    private final class ResumingIterator implements Iterator<ObjectInfo> {
        private final String prefix;
        private String after;
        private Stream<ObjectInfo> current;
        private Iterator<ObjectInfo> it;
        private ObjectInfo next;
        private int failures;

        ResumingIterator(String prefix, String startAfter) {
            this.prefix = prefix;
            this.after = startAfter;
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                try {
                    if (it == null) {
                        current = retry("list " + prefix, () -> inner.list(prefix, after));
                        it = current.iterator();
                    }
                    if (!it.hasNext()) return false;
                    next = it.next();
                    after = next.key();
                } catch (ObjectStoreException e) {
                    close();
                    if (!e.retryable() || ++failures >= policy.maxAttempts()) throw e;
                }
            }
            return true;
        }

        @Override
        public ObjectInfo next() {
            if (!hasNext()) throw new NoSuchElementException();
            ObjectInfo r = next;
            next = null;
            return r;
        }

        void close() {
            if (current != null) current.close();
            current = null;
            it = null;
        }
    }
}
