package io.tarn.cli.store;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Measures a raw store the way Tarn loads it: block-sized objects put and got by many virtual threads at
 * once (Tarn's uploads and read-ahead run on virtual threads, bounded by a concurrency setting), then
 * small-object latency one request at a time. Everything is written under a fresh prefix that is deleted
 * at the end, also after a failure.
 */
public final class StoreBench {
    /** What to run. {@code beforeGet} runs between each level's PUTs and GETs (a cache drop, or nothing). */
    public record Plan(int blockSize, int objects, List<Integer> concurrencies, int smallSize, int smallCount,
                       Runnable beforeGet) {}

    /** One phase at one concurrency. */
    public record Phase(String op, int concurrency, int objects, long bytes, long nanos, Latencies latencies) {
        public double mibPerSecond() {
            return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
        }

        public double opsPerSecond() {
            return objects / (nanos / 1e9);
        }
    }

    private StoreBench() {}

    /** Runs the plan; each finished phase goes to {@code report} as it ends. Returns all phases. */
    public static List<Phase> run(ObjectStore store, Plan plan, Consumer<Phase> report) throws Exception {
        String prefix = ".tarn-bench-" + UUID.randomUUID() + "/";
        byte[] block = new byte[plan.blockSize()];
        new Random(42).nextBytes(block); // incompressible, as Tarn's raw blocks of media or encrypted data are
        List<Phase> phases = new ArrayList<>();
        Consumer<Phase> keep = p -> {
            phases.add(p);
            report.accept(p);
        };
        try {
            for (int c : plan.concurrencies()) {
                int n = Math.max(plan.objects(), 2 * c);
                String dir = prefix + "c" + c + "/";
                keep.accept(parallel("PUT", store, c, n, i -> {
                    store.put(key(dir, i), ByteBuffer.wrap(block));
                    return block.length;
                }));
                plan.beforeGet().run();
                keep.accept(parallel("GET", store, c, n, i -> {
                    ByteBuffer b = store.get(key(dir, i), 0, -1)
                            .orElseThrow(() -> new IllegalStateException("object " + key(dir, i) + " vanished"));
                    if (b.remaining() != block.length) throw new IllegalStateException("object " + key(dir, i) + " came back short");
                    return b.remaining();
                }));
                keep.accept(parallel("DELETE", store, c, n, i -> {
                    store.delete(key(dir, i));
                    return 0;
                }));
            }
            byte[] small = new byte[plan.smallSize()];
            new Random(7).nextBytes(small);
            String dir = prefix + "small/";
            keep.accept(parallel("small PUT", store, 1, plan.smallCount(), i -> {
                store.put(key(dir, i), ByteBuffer.wrap(small));
                return small.length;
            }));
            keep.accept(parallel("small GET", store, 1, plan.smallCount(), i -> {
                store.get(key(dir, i), 0, -1).orElseThrow(() -> new IllegalStateException("object " + key(dir, i) + " vanished"));
                return small.length;
            }));
            keep.accept(parallel("small HEAD", store, 1, plan.smallCount(), i -> {
                store.head(key(dir, i)).orElseThrow(() -> new IllegalStateException("object " + key(dir, i) + " vanished"));
                return 0;
            }));
            keep.accept(parallel("small DELETE", store, 1, plan.smallCount(), i -> {
                store.delete(key(dir, i));
                return 0;
            }));
        } finally {
            cleanUp(store, prefix);
        }
        return phases;
    }

    private static String key(String dir, int i) {
        // Spread over 256 shards like Tarn's block keys (ADR 0040), so stores that partition by prefix see Tarn's pattern.
        return dir + String.format("%02x/%016x", i & 0xff, i);
    }

    @FunctionalInterface
    private interface Op {
        long run(int i) throws Exception;
    }

    private static Phase parallel(String name, ObjectStore store, int concurrency, int count, Op op) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Latencies lat = new Latencies();
        long[] bytes = new long[concurrency];
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                int me = w;
                workers.add(ex.submit(() -> {
                    for (int i; failure.get() == null && (i = next.getAndIncrement()) < count; ) {
                        long s = System.nanoTime();
                        try {
                            bytes[me] += op.run(i);
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                        lat.add(System.nanoTime() - s);
                    }
                }));
            }
            for (Future<?> f : workers) f.get();
        }
        long elapsed = System.nanoTime() - t0;
        if (failure.get() != null) throw failure.get();
        long total = 0;
        for (long b : bytes) total += b;
        return new Phase(name, concurrency, count, total, elapsed, lat);
    }

    /** Deletes everything under the bench prefix; best effort, the first failure is reported by the caller's exception. */
    private static void cleanUp(ObjectStore store, String prefix) {
        List<String> left;
        try (Stream<ObjectInfo> s = store.list(prefix, null)) {
            left = s.map(ObjectInfo::key).toList();
        } catch (RuntimeException e) {
            return;
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String k : left) ex.submit(() -> {
                try {
                    store.delete(k);
                } catch (RuntimeException ignored) {
                    // a store that fails now already failed the run; the leftovers are named by their prefix
                }
            });
        }
    }
}
