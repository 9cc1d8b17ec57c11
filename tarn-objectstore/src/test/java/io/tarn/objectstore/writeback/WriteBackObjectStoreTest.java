package io.tarn.objectstore.writeback;

import io.tarn.objectstore.FaultInjectingObjectStore;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import io.tarn.objectstore.MemoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WriteBackObjectStoreTest {
    private static final int SIZE = 10_000;
    private final MemoryObjectStore mem = new MemoryObjectStore();
    private final FaultInjectingObjectStore store = new FaultInjectingObjectStore(mem);
    @TempDir
    Path dir;

    private static byte[] object(int seed) {
        byte[] b = new byte[SIZE];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private WriteBackObjectStore open(long maxBytes, long floor, Duration drain) throws Exception {
        return new WriteBackObjectStore(store, dir, maxBytes, floor, 2, drain);
    }

    private long stagedFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(WriteBackObjectStore.SUFFIX)).count();
        }
    }

    @Test
    void putReturnsBeforeTheStoreHasItAndReadsComeFromTheStagedCopy() throws Exception {
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore wb = open(1 << 20, 0, Duration.ofSeconds(30));
        wb.put("v/b/1", ByteBuffer.wrap(object(1)));
        assertTrue(mem.get("v/b/1", 0, -1).isEmpty(), "the store is held, so the object can only be staged");
        assertEquals(1, stagedFiles());
        assertArrayEquals(object(1), bytes(wb.get("v/b/1", 0, -1).orElseThrow()));
        assertArrayEquals(java.util.Arrays.copyOfRange(object(1), 100, 150), bytes(wb.get("v/b/1", 100, 50).orElseThrow()));
        uploads.countDown();
        assertTrue(wb.drain(Duration.ofSeconds(30)));
        assertArrayEquals(object(1), bytes(mem.get("v/b/1", 0, -1).orElseThrow()));
        assertEquals(0, stagedFiles(), "an uploaded object's file is deleted");
        wb.close();
    }

    @Test
    void aClientThatDiesWithStagedObjectsHandsThemToTheNextOne() throws Exception {
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore first = open(1 << 20, 0, Duration.ZERO);
        for (int i = 0; i < 5; i++) first.put("v/b/" + i, ByteBuffer.wrap(object(i)));
        Files.write(dir.resolve("torn.wb.tmp-7"), new byte[]{1, 2, 3}); // a crash mid-stage: never acknowledged
        // Drop the first client without a drain: what it staged stays on disk.
        store.clearFaults();
        uploads.countDown();
        first.close();
        long left = stagedFiles();
        WriteBackObjectStore second = open(1 << 20, 0, Duration.ofSeconds(30));
        assertTrue(second.drain(Duration.ofSeconds(30)));
        for (int i = 0; i < 5; i++) assertArrayEquals(object(i), bytes(mem.get("v/b/" + i, 0, -1).orElseThrow()), "object " + i);
        assertFalse(Files.exists(dir.resolve("torn.wb.tmp-7")), "temporary leftovers are dropped");
        assertEquals(0, stagedFiles());
        assertTrue(left <= 5);
        second.close();
    }

    @Test
    void failedUploadsAreRetriedUntilTheStoreTakesThem() throws Exception {
        store.inject(Op.PUT, new Fault.Fail(true), 3);
        WriteBackObjectStore wb = open(1 << 20, 0, Duration.ofSeconds(30));
        wb.put("v/b/9", ByteBuffer.wrap(object(9)));
        assertTrue(wb.drain(Duration.ofSeconds(30)));
        assertArrayEquals(object(9), bytes(mem.get("v/b/9", 0, -1).orElseThrow()));
        assertEquals(3, wb.stats().failures());
        assertEquals(1, wb.stats().uploads());
        wb.close();
    }

    @Test
    void writersWaitWhileTheStagingBoundIsUsedUp() throws Exception {
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore wb = open(2L * (SIZE + 4), 0, Duration.ofSeconds(30));
        wb.put("v/b/1", ByteBuffer.wrap(object(1)));
        wb.put("v/b/2", ByteBuffer.wrap(object(2)));
        Thread third = Thread.ofPlatform().start(() -> wb.put("v/b/3", ByteBuffer.wrap(object(3))));
        waitFor(() -> third.getState() == Thread.State.WAITING, "the third writer waits for space");
        assertEquals(2, wb.stats().staged());
        uploads.countDown();
        third.join();
        assertTrue(wb.drain(Duration.ofSeconds(30)));
        for (int i = 1; i <= 3; i++) assertArrayEquals(object(i), bytes(mem.get("v/b/" + i, 0, -1).orElseThrow()));
        assertEquals(0, wb.stats().writeThroughs(), "nothing bypassed the staging area");
        wb.close();
    }

    @Test
    void listingsShowStagedObjectsInKeyOrderWithTheStoresOwn() throws Exception {
        mem.put("v/b/2", ByteBuffer.wrap(object(2)));
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore wb = open(1 << 20, 0, Duration.ofSeconds(30));
        wb.put("v/b/1", ByteBuffer.wrap(object(1)));
        wb.put("v/b/3", ByteBuffer.wrap(object(3)));
        wb.put("w/x", ByteBuffer.wrap(object(4)));
        try (Stream<io.tarn.api.ObjectInfo> s = wb.list(null, null)) {
            assertEquals(java.util.List.of("v/b/1", "v/b/2", "v/b/3", "w/x"), s.map(io.tarn.api.ObjectInfo::key).toList());
        }
        try (Stream<io.tarn.api.ObjectInfo> s = wb.list("v/", "v/b/1")) {
            assertEquals(java.util.List.of("v/b/2", "v/b/3"), s.map(io.tarn.api.ObjectInfo::key).toList());
        }
        assertEquals(SIZE, wb.head("v/b/3").orElseThrow().size());
        uploads.countDown();
        assertTrue(wb.drain(Duration.ofSeconds(30)));
        wb.close();
    }

    @Test
    void aDiskBelowItsFreeSpaceFloorWritesThrough() throws Exception {
        WriteBackObjectStore wb = open(1 << 20, Long.MAX_VALUE / 4, Duration.ofSeconds(30));
        wb.put("v/b/5", ByteBuffer.wrap(object(5)));
        assertArrayEquals(object(5), bytes(mem.get("v/b/5", 0, -1).orElseThrow()), "in the store when put returns");
        assertEquals(1, wb.stats().writeThroughs());
        assertEquals(0, stagedFiles());
        wb.close();
    }

    @Test
    void aDeleteOfAStagedObjectNeverReachesTheStoreLater() throws Exception {
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore wb = open(1 << 20, 0, Duration.ofSeconds(30));
        wb.put("v/b/4", ByteBuffer.wrap(object(4)));
        wb.delete("v/b/4");
        uploads.countDown();
        assertTrue(wb.drain(Duration.ofSeconds(30)));
        assertTrue(wb.get("v/b/4", 0, -1).isEmpty());
        assertTrue(mem.get("v/b/4", 0, -1).isEmpty());
        assertEquals(0, stagedFiles());
        wb.close();
    }

    @Test
    void aDamagedStagedFileIsReportedNotUploaded() throws Exception {
        CountDownLatch uploads = store.hold(Op.PUT);
        WriteBackObjectStore first = open(1 << 20, 0, Duration.ZERO);
        first.put("v/b/6", ByteBuffer.wrap(object(6)));
        store.clearFaults();
        uploads.countDown();
        first.close();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(WriteBackObjectStore.SUFFIX)).toList()) {
                byte[] b = Files.readAllBytes(p);
                b[10] ^= 1;
                Files.write(p, b);
            }
        }
        if (mem.get("v/b/6", 0, -1).isPresent()) return; // the first client got it out before closing: nothing to damage
        WriteBackObjectStore second = open(1 << 20, 0, Duration.ofSeconds(30));
        assertTrue(second.drain(Duration.ofSeconds(30)));
        assertTrue(mem.get("v/b/6", 0, -1).isEmpty(), "damaged bytes must never reach the store");
        assertEquals(1, second.stats().failures());
        second.close();
    }

    private static void waitFor(java.util.function.BooleanSupplier c, String what) {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > until) fail("timed out waiting: " + what);
            Thread.onSpinWait();
        }
    }
}
