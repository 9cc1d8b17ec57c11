package io.tarn.server;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
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

import static org.junit.jupiter.api.Assertions.*;

/**
 * Clients stream mutations and reads while the metadata server (RocksDB) is stopped and started
 * again on the same port and data directory, three times. No call may fail, every acknowledged
 * mutation must be there, and none may be applied twice.
 */
@Timeout(120)
class RestartRideThroughTest {
    private static final int WRITERS = 3, RESTARTS = 3;

    @TempDir
    Path dir;

    /** What one writer had acknowledged: file name -> (inode, committed block id). */
    record Acked(long ino, long blockId) {}

    @Test
    void clientsSeeNoErrorAcrossServerRestarts() throws Exception {
        Path data = dir.resolve("meta");
        MetadataServer server = MetadataServer.start(data, new InetSocketAddress("127.0.0.1", 0));
        int port = server.port();
        String addr = "127.0.0.1:" + port;
        RemoteMetaService remote = RemoteMetaService.connect(addr, RpcOptions.defaults().withRideThrough(Duration.ofSeconds(60)));
        remote.createVolume(new VolumeSpec("ride", "mem://ride", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
        SessionInfo s = remote.openSession("ride", "restart-test");
        Ctx ctx = new Ctx(s.session(), 0, Caller.ROOT);
        long root = s.volume().rootIno();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong(), longestNanos = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Map<String, Acked> acked = new ConcurrentHashMap<>();
        ConcurrentSkipListMap<Long, Integer> reservations = new ConcurrentSkipListMap<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int id = w;
            writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                try {
                    long dirIno = timed(longestNanos, () -> remote.mkdir(ctx, root, "w" + id, 0755)).ino();
                    for (int i = 0; !stop.get(); i++) {
                        String name = "f" + i;
                        Attr a = timed(longestNanos, () -> remote.create(ctx, dirIno, name, 0644, 0));
                        assertEquals(a, timed(longestNanos, () -> remote.getAttr(ctx, a.ino())));
                        long blockId = timed(longestNanos, () -> remote.reserveBlockIds(ctx, 4));
                        reservations.put(blockId, 4);
                        timed(longestNanos, () -> remote.commitBlocks(ctx, a.ino(),
                                List.of(new BlockRef(0, blockId, 100, 100, (int) blockId)), 100, 1));
                        timed(longestNanos, () -> {
                            remote.release(ctx, a.ino());
                            return null;
                        });
                        String finalName = name;
                        if (i % 3 == 0) {
                            finalName = "r" + i;
                            String to = finalName;
                            timed(longestNanos, () -> {
                                remote.rename(ctx, dirIno, name, dirIno, to, 0);
                                return null;
                            });
                        }
                        String looked = finalName;
                        assertEquals(a.ino(), timed(longestNanos, () -> remote.lookup(ctx, dirIno, looked)).ino());
                        acked.put("w" + id + "/" + looked, new Acked(a.ino(), blockId));
                        ops.addAndGet(7);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }

        for (int r = 0; r < RESTARTS; r++) {
            long before = ops.get();
            waitUntil(() -> ops.get() > before + 300 || failure.get() != null, Duration.ofSeconds(30), "traffic before restart " + r);
            server.close();
            server = MetadataServer.start(data, new InetSocketAddress("127.0.0.1", port));
        }
        long last = ops.get();
        waitUntil(() -> ops.get() > last + 300 || failure.get() != null, Duration.ofSeconds(30), "traffic after the last restart");
        stop.set(true);
        for (Thread t : writers) t.join(Duration.ofSeconds(60));
        if (failure.get() != null) fail("a call failed across a restart", failure.get());
        assertTrue(remote.reconnects() >= RESTARTS, "the client reconnected only " + remote.reconnects() + " times");

        // every acknowledged mutation is present, each exactly once
        for (int w = 0; w < WRITERS; w++) {
            long dirIno = remote.lookup(ctx, root, "w" + w).ino();
            var entries = remote.readDir(ctx, dirIno, null, Integer.MAX_VALUE, false).entries();
            int prefix = w;
            long mine = acked.keySet().stream().filter(k -> k.startsWith("w" + prefix + "/")).count();
            assertTrue(entries.size() == mine || entries.size() == mine + 1,
                    "writer " + w + ": " + entries.size() + " names for " + mine + " acknowledged creates");
        }
        for (var e : acked.entrySet()) {
            String[] parts = e.getKey().split("/");
            long dirIno = remote.lookup(ctx, root, parts[0]).ino();
            Attr a = remote.lookup(ctx, dirIno, parts[1]);
            assertEquals(e.getValue().ino(), a.ino(), e.getKey());
            assertEquals(100, a.size(), e.getKey());
            assertEquals(List.of(new BlockRef(0, e.getValue().blockId(), 100, 100, (int) e.getValue().blockId())),
                    remote.blocks(ctx, a.ino(), 0, 1), e.getKey());
        }
        // block id reservations never overlap: a retried reservation was not applied twice
        long end = Long.MIN_VALUE;
        for (var r : reservations.entrySet()) {
            assertTrue(r.getKey() >= end, "overlapping block id reservations at " + r.getKey());
            end = r.getKey() + r.getValue();
        }
        System.out.printf("%d acknowledged files, %d calls, %d restarts; longest call %d ms%n",
                acked.size(), ops.get(), RESTARTS, longestNanos.get() / 1_000_000);
        remote.closeSession(s.session());
        remote.close();
        server.close();
    }

    private static <T> T timed(AtomicLong longest, java.util.function.Supplier<T> call) {
        long t0 = System.nanoTime();
        T r = call.get();
        longest.accumulateAndGet(System.nanoTime() - t0, Math::max);
        return r;
    }

    private static void waitUntil(BooleanSupplier condition, Duration limit, String what) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }
}
