package io.tarn.client.block;

import io.tarn.objectstore.MemoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class DiskCachedObjectStoreTest {
    private static final int SIZE = 10_000;
    private final MemoryObjectStore mem = new MemoryObjectStore();
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

    private byte[] get(DiskCachedObjectStore s, String key) {
        return bytes(s.get(key, 0, -1).orElseThrow());
    }

    private long cachedFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".blk")).count();
        }
    }

    @Test
    void keepsTheMostRecentlyUsedWithinItsSize() throws Exception {
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, dir, 3L * (SIZE + 4), 0);
        for (int i = 0; i < 3; i++) s.put("k" + i, ByteBuffer.wrap(object(i)));
        get(s, "k0"); // k1 is now the least recently used
        s.put("k3", ByteBuffer.wrap(object(3)));
        assertEquals(3, cachedFiles());
        assertEquals(3, s.stats().files());
        mem.delete("k1");
        assertTrue(s.get("k1", 0, -1).isEmpty(), "k1 was evicted, so the store answers");
        mem.delete("k0");
        assertArrayEquals(object(0), get(s, "k0"), "k0 was kept");
    }

    @Test
    void servesRangesFromACopyAndIsFoundAgainAfterARestart() throws Exception {
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, dir, 1 << 20, 0);
        mem.put("a", ByteBuffer.wrap(object(1)));
        assertArrayEquals(object(1), get(s, "a")); // a whole fetch is kept
        mem.delete("a");
        DiskCachedObjectStore again = new DiskCachedObjectStore(mem, dir, 1 << 20, 0);
        assertEquals(1, again.stats().files());
        byte[] part = bytes(again.get("a", 100, 50).orElseThrow());
        assertArrayEquals(java.util.Arrays.copyOfRange(object(1), 100, 150), part);
        assertEquals(0, again.get("a", SIZE + 5, 10).orElseThrow().remaining());
        again.delete("a");
        assertEquals(0, cachedFiles());
    }

    @Test
    void aCorruptCopyIsDroppedAndTheStoreAnswers() throws Exception {
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, dir, 1 << 20, 0);
        s.put("a", ByteBuffer.wrap(object(1)));
        Path file;
        try (Stream<Path> l = Files.list(dir)) {
            file = l.filter(p -> p.toString().endsWith(".blk")).findFirst().orElseThrow();
        }
        byte[] raw = Files.readAllBytes(file);
        raw[7] ^= 1;
        Files.write(file, raw);
        assertArrayEquals(object(1), get(s, "a"));
        assertEquals(1, s.stats().corrupt());
        assertArrayEquals(object(1), get(s, "a"), "fetched again and cached again");
    }

    @Test
    void belowTheFreeSpaceFloorItStopsCachingButReadsWork() throws Exception {
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, dir, 1 << 20, Long.MAX_VALUE / 4);
        s.put("a", ByteBuffer.wrap(object(1)));
        assertArrayEquals(object(1), get(s, "a"));
        assertEquals(0, cachedFiles());
        assertFalse(s.stats().caching());
        assertTrue(s.stats().skipped() >= 1);
    }

    @Test
    void aFailingDiskStopsCachingButNeverFailsReadsOrWrites() throws Exception {
        Path cache = dir.resolve("c");
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, cache, 1 << 20, 0);
        s.put("a", ByteBuffer.wrap(object(1)));
        // The cache directory vanishes and a file takes its place: every write into it fails.
        try (Stream<Path> l = Files.list(cache)) {
            for (Path p : l.toList()) Files.delete(p);
        }
        Files.delete(cache);
        Files.write(cache, new byte[]{1});
        s.put("b", ByteBuffer.wrap(object(2)));
        assertArrayEquals(object(2), bytes(mem.get("b", 0, -1).orElseThrow()), "the store got the object");
        assertArrayEquals(object(1), get(s, "a"), "a lost copy is fetched from the store");
        assertArrayEquals(object(2), get(s, "b"));
        assertFalse(s.stats().caching());
    }

    @Test
    void concurrentMissesAllGetTheObjectAndLeaveOneCopy() throws Exception {
        DiskCachedObjectStore s = new DiskCachedObjectStore(mem, dir, 1 << 20, 0);
        mem.put("a", ByteBuffer.wrap(object(5)));
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return get(s, "a");
            }));
        }
        start.countDown();
        for (CompletableFuture<byte[]> f : all) assertArrayEquals(object(5), f.join());
        assertEquals(1, cachedFiles());
        assertEquals(SIZE + 4, s.stats().bytes());
    }
}
