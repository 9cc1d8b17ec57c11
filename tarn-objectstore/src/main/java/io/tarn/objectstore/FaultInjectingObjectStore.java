package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A decorator for tests that makes chosen calls fail, wait, or return damaged bytes, and counts calls.
 * Faults are rules: which operation, which keys, how many times, what happens. Waits use a latch
 * ({@link #hold}) or a fixed delay; no fault touches the inner store's contents.
 */
public final class FaultInjectingObjectStore implements ObjectStore {
    public enum Op { GET, PUT, DELETE, LIST, HEAD }

    /** What a matching call suffers. */
    public sealed interface Fault {
        /** Throws an ObjectStoreException with this verdict instead of calling the store. */
        record Fail(boolean retryable) implements Fault {}

        /** Sleeps, then calls the store. */
        record Delay(Duration delay) implements Fault {}

        /** Waits until the latch opens (or 60 s pass), then calls the store. */
        record Hold(CountDownLatch latch) implements Fault {}

        /** A get returns only the first {@code keep} bytes of what the store returned. */
        record Truncate(int keep) implements Fault {}

        /** A get returns the bytes with one bit flipped at {@code offset} (within what was returned). */
        record FlipBit(int offset) implements Fault {}

        /** A put stores only the first {@code keep} bytes (a torn write by a broken store). */
        record TornPut(int keep) implements Fault {}
    }

    private record Rule(Op op, Predicate<String> keys, Fault fault, AtomicInteger remaining) {}

    private final ObjectStore inner;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<Op, AtomicLong> calls = new EnumMap<>(Op.class);

    public FaultInjectingObjectStore(ObjectStore inner) {
        this.inner = inner;
        for (Op op : Op.values()) calls.put(op, new AtomicLong());
    }

    /** Applies {@code fault} to the next {@code times} calls of {@code op} whose key matches (times < 0: forever). */
    public FaultInjectingObjectStore inject(Op op, Predicate<String> keys, Fault fault, int times) {
        rules.add(new Rule(op, keys, fault, new AtomicInteger(times)));
        return this;
    }

    public FaultInjectingObjectStore inject(Op op, Fault fault, int times) {
        return inject(op, k -> true, fault, times);
    }

    /** Makes every call of {@code op} wait until the returned latch is counted down. */
    public CountDownLatch hold(Op op) {
        CountDownLatch latch = new CountDownLatch(1);
        inject(op, new Fault.Hold(latch), -1);
        return latch;
    }

    public void clearFaults() {
        rules.clear();
    }

    /** Calls of {@code op} so far, failed ones included. */
    public long calls(Op op) {
        return calls.get(op).get();
    }

    private Fault take(Op op, String key) {
        calls.get(op).incrementAndGet();
        for (Rule r : rules) {
            if (r.op != op || !r.keys.test(key)) continue;
            int left = r.remaining.get();
            if (left < 0) return r.fault;
            while (left > 0) {
                if (r.remaining.compareAndSet(left, left - 1)) return r.fault;
                left = r.remaining.get();
            }
        }
        return null;
    }

    /** Handles faults that act before the call; returns the fault if it acts on the result. */
    private Fault before(Op op, String key) {
        Fault f = take(op, key);
        switch (f) {
            case null -> {
                return null;
            }
            case Fault.Fail fail -> throw new ObjectStoreException("injected " + op + " failure for " + key, fail.retryable());
            case Fault.Delay d -> pause(() -> TimeUnit.NANOSECONDS.sleep(d.delay().toNanos()));
            case Fault.Hold h -> pause(() -> h.latch().await(60, TimeUnit.SECONDS));
            default -> {
                return f;
            }
        }
        return null;
    }

    private interface Pause {
        void run() throws InterruptedException;
    }

    private static void pause(Pause p) {
        try {
            p.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("interrupted during injected delay", false, e);
        }
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        Fault f = before(Op.GET, key);
        Optional<ByteBuffer> r = inner.get(key, offset, length);
        if (f == null || r.isEmpty()) return r;
        ByteBuffer b = r.get();
        return switch (f) {
            case Fault.Truncate t -> Optional.of(b.slice(b.position(), Math.min(t.keep(), b.remaining())));
            case Fault.FlipBit fb -> {
                byte[] copy = new byte[b.remaining()];
                b.duplicate().get(copy);
                if (fb.offset() < copy.length) copy[fb.offset()] ^= 1;
                yield Optional.of(ByteBuffer.wrap(copy));
            }
            default -> r;
        };
    }

    @Override
    public void put(String key, ByteBuffer data) {
        Fault f = before(Op.PUT, key);
        if (f instanceof Fault.TornPut t) {
            ByteBuffer d = data.duplicate();
            inner.put(key, d.limit(d.position() + Math.min(t.keep(), d.remaining())));
            return;
        }
        inner.put(key, data);
    }

    @Override
    public void delete(String key) {
        before(Op.DELETE, key);
        inner.delete(key);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        before(Op.LIST, prefix == null ? "" : prefix);
        return inner.list(prefix, startAfter);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        before(Op.HEAD, key);
        return inner.head(key);
    }

    @Override
    public String describe() {
        return "faulty(" + inner.describe() + ")";
    }

    @Override
    public void close() {
        inner.close();
    }
}
