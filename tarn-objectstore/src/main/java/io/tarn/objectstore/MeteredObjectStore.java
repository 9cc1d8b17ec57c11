package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Counts what passes through to another store: calls, failures, bytes and time per operation, for
 * metrics endpoints, `tarn bench` ratios and tests. Cheap enough to leave on (striped counters).
 */
public final class MeteredObjectStore implements ObjectStore {
    public enum Op { GET, PUT, DELETE, LIST, HEAD }

    /** Totals of one operation since the store was made. */
    public record Totals(long calls, long failures, long bytes, long nanos) {
        public double meanMillis() {
            return calls == 0 ? 0 : nanos / 1e6 / calls;
        }
    }

    private static final class Counters {
        final LongAdder calls = new LongAdder(), failures = new LongAdder(), bytes = new LongAdder(), nanos = new LongAdder();
    }

    private final ObjectStore inner;
    private final Map<Op, Counters> counters = new EnumMap<>(Op.class);

    public MeteredObjectStore(ObjectStore inner) {
        this.inner = inner;
        for (Op op : Op.values()) counters.put(op, new Counters());
    }

    public Totals totals(Op op) {
        Counters c = counters.get(op);
        return new Totals(c.calls.sum(), c.failures.sum(), c.bytes.sum(), c.nanos.sum());
    }

    private <T> T timed(Op op, Supplier<T> call) {
        Counters c = counters.get(op);
        long start = System.nanoTime();
        try {
            return call.get();
        } catch (RuntimeException e) {
            c.failures.increment();
            throw e;
        } finally {
            c.calls.increment();
            c.nanos.add(System.nanoTime() - start);
        }
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        Optional<ByteBuffer> r = timed(Op.GET, () -> inner.get(key, offset, length));
        r.ifPresent(b -> counters.get(Op.GET).bytes.add(b.remaining()));
        return r;
    }

    @Override
    public void put(String key, ByteBuffer data) {
        int n = data.remaining();
        timed(Op.PUT, () -> {
            inner.put(key, data);
            return null;
        });
        counters.get(Op.PUT).bytes.add(n);
    }

    @Override
    public void delete(String key) {
        timed(Op.DELETE, () -> {
            inner.delete(key);
            return null;
        });
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        return timed(Op.LIST, () -> inner.list(prefix, startAfter));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return timed(Op.HEAD, () -> inner.head(key));
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
