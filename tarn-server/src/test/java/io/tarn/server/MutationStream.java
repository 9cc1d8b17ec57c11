package io.tarn.server;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.MetaService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writers that stream creates, getattrs, block reservations and commits, releases, renames and
 * lookups through a MetaService and remember what was acknowledged, so a test can disturb the
 * server and then check that nothing failed, nothing acknowledged is missing and nothing was
 * applied twice.
 */
final class MutationStream {
    record Acked(long ino, long blockId) {}

    private final MetaService meta;
    private final Ctx ctx;
    private final long root;
    private final int writers;
    private final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong calls = new AtomicLong(), longestNanos = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Map<String, Acked> acked = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Integer> reservations = new ConcurrentSkipListMap<>();
    private final List<Thread> threads = new ArrayList<>();

    MutationStream(MetaService meta, Ctx ctx, long root, int writers) {
        this.meta = meta;
        this.ctx = ctx;
        this.root = root;
        this.writers = writers;
    }

    void start() {
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                try {
                    write(id);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
    }

    private void write(int id) {
        long dir = timed(() -> meta.mkdir(ctx, root, "w" + id, 0755)).ino();
        for (int i = 0; !stop.get(); i++) {
            String name = "f" + i;
            Attr a = timed(() -> meta.create(ctx, dir, name, 0644, 0));
            assertEquals(a, timed(() -> meta.getAttr(ctx, a.ino())));
            long blockId = timed(() -> meta.reserveBlockIds(ctx, 4));
            reservations.put(blockId, 4);
            timed(() -> meta.commitBlocks(ctx, a.ino(), List.of(new BlockRef(0, blockId, 100, 100, (int) blockId)), 100, 1));
            timed(() -> {
                meta.release(ctx, a.ino());
                return null;
            });
            String finalName = i % 3 == 0 ? "r" + i : name;
            if (!finalName.equals(name)) {
                timed(() -> {
                    meta.rename(ctx, dir, name, dir, finalName, 0);
                    return null;
                });
            }
            assertEquals(a.ino(), timed(() -> meta.lookup(ctx, dir, finalName)).ino());
            acked.put("w" + id + "/" + finalName, new Acked(a.ino(), blockId));
        }
    }

    private <T> T timed(Supplier<T> call) {
        long t0 = System.nanoTime();
        T r = call.get();
        longestNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
        calls.incrementAndGet();
        return r;
    }

    /** Waits until {@code n} more calls were acknowledged (or a writer failed). */
    void awaitCalls(long n, Duration limit, String what) {
        long target = calls.get() + n;
        waitUntil(() -> calls.get() >= target || failure.get() != null, limit, what);
    }

    void stopAndCheck() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.join(Duration.ofSeconds(90));
        if (failure.get() != null) fail("a call failed while the server was disturbed", failure.get());
        for (int w = 0; w < writers; w++) {
            long dir = meta.lookup(ctx, root, "w" + w).ino();
            int entries = meta.readDir(ctx, dir, null, Integer.MAX_VALUE, false).entries().size();
            String prefix = "w" + w + "/";
            long mine = acked.keySet().stream().filter(k -> k.startsWith(prefix)).count();
            // the writer may have stopped between a create and its acknowledgement: one extra name at most
            assertTrue(entries == mine || entries == mine + 1, "writer " + w + ": " + entries + " names for " + mine + " acknowledged files");
        }
        for (var e : acked.entrySet()) {
            String[] parts = e.getKey().split("/");
            long dir = meta.lookup(ctx, root, parts[0]).ino();
            Attr a = meta.lookup(ctx, dir, parts[1]);
            assertEquals(e.getValue().ino(), a.ino(), e.getKey());
            assertEquals(100, a.size(), e.getKey());
            long id = e.getValue().blockId();
            assertEquals(List.of(new BlockRef(0, id, 100, 100, (int) id)), meta.blocks(ctx, a.ino(), 0, 1), e.getKey());
        }
        long end = Long.MIN_VALUE;
        for (var r : reservations.entrySet()) {
            assertTrue(r.getKey() >= end, "overlapping block id reservations at " + r.getKey() + ": one was applied twice");
            end = r.getKey() + r.getValue();
        }
    }

    int ackedFiles() {
        return acked.size();
    }

    static void waitUntil(BooleanSupplier condition, Duration limit, String what) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }
}
