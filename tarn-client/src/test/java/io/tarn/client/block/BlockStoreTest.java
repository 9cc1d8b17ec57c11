package io.tarn.client.block;

import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.FaultInjectingObjectStore;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.objectstore.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class BlockStoreTest {
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO);
    private final MemoryObjectStore mem = new MemoryObjectStore();
    private final FaultInjectingObjectStore faulty = new FaultInjectingObjectStore(mem);
    private BlockStore blocks = new BlockStore(faulty, new BlockKeys("", "vol"), new BlockCodec(Compression.LZ4), 4, 4, 64 << 20, FAST);

    @AfterEach
    void close() {
        blocks.close();
    }

    @Test
    void uploadThenReadBack() {
        byte[] data = BlockCodecTest.compressible(1 << 20);
        BlockRef ref = blocks.upload(3, 77, data, data.length).join();
        assertEquals(3, ref.index());
        assertEquals(77, ref.blockId());
        assertEquals(data.length, ref.length());
        assertTrue(mem.head("vol/blocks/4d/000000000000004d").isPresent());
        byte[] out = new byte[100];
        blocks.read(ref, 5000, 100, out, 0, false);
        assertArrayEquals(Arrays.copyOfRange(data, 5000, 5100), out);
    }

    @Test
    void concurrentMissesForOneBlockFetchOnce() throws Exception {
        byte[] data = BlockCodecTest.random(256 * 1024, 1);
        BlockRef ref = blocks.put(0, 1, data, data.length);
        long before = faulty.calls(Op.GET);
        CountDownLatch gate = faulty.hold(Op.GET);
        List<Future<byte[]>> readers = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) readers.add(ex.submit(() -> plain(blocks.block(ref))));
            // All 16 are waiting: one in the store, fifteen on its load. Release the store.
            while (faulty.calls(Op.GET) == before) Thread.onSpinWait();
            gate.countDown();
            for (Future<byte[]> f : readers) assertArrayEquals(data, f.get());
        }
        assertEquals(before + 1, faulty.calls(Op.GET));
        assertEquals(1, blocks.cache().loads());
    }

    @Test
    void aFailedLoadIsSharedAndNotCached() {
        byte[] data = BlockCodecTest.random(1000, 2);
        BlockRef ref = blocks.put(0, 2, data, data.length);
        faulty.inject(Op.GET, new Fault.Fail(false), 1);
        FsException e = assertThrows(FsException.class, () -> blocks.block(ref));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("vol/blocks/02/0000000000000002"), e.getMessage());
        assertArrayEquals(data, plain(blocks.block(ref)), "the next read tries again");
    }

    @Test
    void retryableFailuresAreRetriedBeforeEio() {
        byte[] data = BlockCodecTest.random(1000, 3);
        faulty.inject(Op.PUT, new Fault.Fail(true), 2);
        BlockRef ref = blocks.put(0, 3, data, data.length);
        faulty.inject(Op.GET, new Fault.Fail(true), 2);
        assertArrayEquals(data, plain(blocks.block(ref)));
        faulty.inject(Op.GET, new Fault.Fail(true), 3);
        blocks.cache().invalidate(3);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> blocks.block(ref)).errno());
    }

    @Test
    void truncatedOrCorruptDownloadsAreEioNeverWrongBytes() {
        byte[] data = BlockCodecTest.compressible(100_000);
        BlockRef ref = blocks.put(0, 4, data, data.length);
        faulty.inject(Op.GET, new Fault.Truncate(ref.storedLength() - 1), 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> blocks.block(ref)).errno());
        faulty.inject(Op.GET, new Fault.FlipBit(ref.storedLength() / 2), 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> blocks.block(ref)).errno());
        assertArrayEquals(data, plain(blocks.block(ref)));
    }

    @Test
    void aRawBlockIsKeptAsASliceOfItsObjectAndStillChecked() {
        byte[] data = BlockCodecTest.random(100_000, 9); // incompressible: stored raw
        BlockRef ref = blocks.put(0, 9, data, data.length);
        faulty.inject(Op.GET, new Fault.FlipBit(ref.storedLength() - 10), 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> blocks.block(ref)).errno());
        faulty.inject(Op.GET, new Fault.Truncate(ref.storedLength() - 1), 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> blocks.block(ref)).errno());
        ByteBuffer b = blocks.block(ref);
        assertArrayEquals(data, plain(b));
        assertTrue(b.isReadOnly(), "cached blocks are handed out read-only");
        // The cache counts the whole fetched object the slice keeps alive, header included.
        assertEquals(HeapFootprint.ofArray(ref.storedLength()), blocks.cache().bytes());
    }

    static byte[] plain(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void missingObjectIsEio() {
        BlockRef ref = new BlockRef(0, 99, 10, 70, 0);
        FsException e = assertThrows(FsException.class, () -> blocks.block(ref));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void smallRandomReadsOfRawBlocksFetchOnlyTheirChunks() {
        byte[] data = BlockCodecTest.random(4 << 20, 5);
        BlockRef ref = blocks.put(0, 5, data, data.length);
        byte[] out = new byte[4096];
        blocks.read(ref, 1_000_000, 4096, out, 0, true);
        assertArrayEquals(Arrays.copyOfRange(data, 1_000_000, 1_004_096), out);
        BlockStore.Stats s = blocks.stats();
        assertEquals(0, s.wholeGets());
        assertEquals(2, s.rangeGets());
        assertTrue(s.bytesDown() < 200_000, "moved " + s.bytesDown());
        assertEquals(0, blocks.cache().entries(), "partial reads do not fill the cache");
        BlockStore fresh = new BlockStore(faulty, new BlockKeys("", "vol"), new BlockCodec(Compression.LZ4), 4, 4, 64 << 20, FAST);
        fresh.read(ref, 100, 50, out, 0, true);
        assertArrayEquals(Arrays.copyOfRange(data, 100, 150), Arrays.copyOf(out, 50));
        assertEquals(1, fresh.stats().rangeGets(), "the first chunk comes with the header in one request");
        fresh.close();
        BlockStore damaged = new BlockStore(faulty, new BlockKeys("", "vol"), new BlockCodec(Compression.LZ4), 4, 4, 64 << 20, FAST);
        faulty.inject(Op.GET, k -> true, new Fault.FlipBit(10), 1);
        assertThrows(FsException.class, () -> damaged.read(ref, 1_000_000, 4096, out, 0, true), "a damaged chunk is caught");
        damaged.close();
        BlockStore sequential = new BlockStore(faulty, new BlockKeys("", "vol"), new BlockCodec(Compression.LZ4), 4, 4, 64 << 20, FAST);
        sequential.read(ref, 0, 4096, out, 0, false);
        assertEquals(1, sequential.stats().wholeGets(), "a sequential read fetches the whole block");
        sequential.close();
    }

    @Test
    void aBlockReadByRangesAgainIsFetchedWholeAndThenServedFromTheCache() {
        byte[] data = BlockCodecTest.random(4 << 20, 6);
        BlockRef ref = blocks.put(0, 6, data, data.length);
        byte[] out = new byte[4096];
        blocks.read(ref, 1_000_000, 4096, out, 0, true);
        assertEquals(0, blocks.stats().wholeGets());
        blocks.read(ref, 100, 50, out, 0, true);
        assertArrayEquals(Arrays.copyOfRange(data, 100, 150), Arrays.copyOf(out, 50));
        assertEquals(1, blocks.stats().wholeGets(), "revisited: fetched whole");
        long requests = blocks.stats().rangeGets() + blocks.stats().wholeGets();
        blocks.read(ref, 3_000_000, 10, out, 0, true);
        assertArrayEquals(Arrays.copyOfRange(data, 3_000_000, 3_000_010), Arrays.copyOf(out, 10));
        assertEquals(requests, blocks.stats().rangeGets() + blocks.stats().wholeGets(), "served from the cache");
    }

    @Test
    void rangeHintOnACompressedBlockFallsBackToWholeRead() {
        byte[] data = BlockCodecTest.compressible(1 << 20);
        BlockRef ref = blocks.put(0, 6, data, data.length);
        byte[] out = new byte[10];
        blocks.read(ref, 500_000, 10, out, 0, true);
        assertArrayEquals(Arrays.copyOfRange(data, 500_000, 500_010), out);
    }

    @Test
    void uploadsAreBoundedInConcurrency() throws Exception {
        CountDownLatch gate = faulty.hold(Op.PUT);
        List<CompletableFuture<BlockRef>> ups = new ArrayList<>();
        byte[] data = BlockCodecTest.random(1000, 7);
        for (int i = 0; i < 10; i++) ups.add(blocks.upload(i, 100 + i, data, data.length));
        while (faulty.calls(Op.PUT) < 4) Thread.onSpinWait();
        assertEquals(4, faulty.calls(Op.PUT), "only 4 puts in flight");
        gate.countDown();
        for (CompletableFuture<BlockRef> f : ups) f.get();
        assertEquals(10, faulty.calls(Op.PUT));
    }

    @Test
    void cacheEvictsLeastRecentlyUsedByBytes() {
        long each = HeapFootprint.ofArray(1000); // entries weigh what their arrays occupy
        BlockCache c = new BlockCache(2 * each + HeapFootprint.ofArray(2000));
        c.put(1, ByteBuffer.wrap(new byte[1000]));
        c.put(2, ByteBuffer.wrap(new byte[1000]));
        c.put(3, ByteBuffer.wrap(new byte[2000], 500, 1000)); // a slice weighs its whole array
        assertNotNull(c.getIfPresent(1));
        assertEquals(1000, c.getIfPresent(3).remaining());
        c.put(4, ByteBuffer.wrap(new byte[1000]));
        assertNull(c.getIfPresent(2));
        assertNotNull(c.getIfPresent(1));
        assertEquals(2 * each + HeapFootprint.ofArray(2000), c.bytes());
        c.put(5, ByteBuffer.wrap(new byte[5000]));
        assertNull(c.getIfPresent(5), "larger than the cache: not kept");
    }

    @Test
    void anEvictedWrittenBlockNobodyReadIsRecycledAndOneThatWasReadIsNot() {
        long each = HeapFootprint.ofArray(1000);
        BlockCache c = new BlockCache(2 * each);
        List<byte[]> recycled = new ArrayList<>();
        c.recycleWrittenTo(recycled::add);
        byte[] unread = new byte[1000], read = new byte[1000];
        c.putWritten(1, unread);
        c.putWritten(2, read);
        assertNotNull(c.getIfPresent(2)); // a view of 2 is out: its array may still be in use
        c.put(3, ByteBuffer.wrap(new byte[1000]));
        c.put(4, ByteBuffer.wrap(new byte[1000]));
        assertNull(c.getIfPresent(1));
        assertNull(c.getIfPresent(2));
        assertEquals(1, recycled.size(), "only the unread written block comes back");
        assertSame(unread, recycled.getFirst());
        c.putWritten(5, new byte[1000]);
        c.invalidate(5);
        assertEquals(2, recycled.size(), "an invalidated unread written block comes back too");
    }
}
