package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.SetAttr;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import io.tarn.objectstore.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class TarnVfsDataTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final TarnVfs vfs = fx.client();
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private Vfs.Created create(String name) {
        return vfs.create(c, vfs.rootIno(), name, 0644, OpenFlags.O_RDWR);
    }

    private byte[] readFile(Vfs v, long ino) {
        long fh = v.open(c, ino, OpenFlags.O_RDONLY);
        try {
            long size = v.getattr(c, ino).size();
            return bytes(v.read(fh, 0, (int) size + 10));
        } finally {
            v.release(fh);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lz4", "zstd", "none"})
    void writeReleaseReadBackInAFreshClient(String compression) {
        try (VfsFixture f2 = new VfsFixture(compression)) {
            TarnVfs a = f2.client();
            byte[] data = pattern(3 * BLOCK + 1234, 1);
            Arrays.fill(data, BLOCK, 2 * BLOCK, (byte) 7); // one compressible block among random ones
            Vfs.Created f = a.create(c, a.rootIno(), "file", 0644, OpenFlags.O_WRONLY);
            assertEquals(data.length, a.write(f.fh(), 0, buf(data)));
            a.release(f.fh());
            TarnVfs b = f2.client();
            assertEquals(data.length, b.getattr(c, f.attr().ino()).size());
            assertArrayEquals(data, readFile(b, f.attr().ino()));
        }
    }

    @Test
    void readsSeeOwnUnflushedWrites() {
        Vfs.Created f = create("f");
        byte[] data = pattern(BLOCK + 100, 2);
        vfs.write(f.fh(), 0, buf(data));
        assertArrayEquals(data, bytes(vfs.read(f.fh(), 0, data.length)));
        assertEquals(data.length, vfs.getattr(c, f.attr().ino()).size(), "getattr includes unflushed size");
        TarnVfs other = fx.client();
        assertEquals(0, other.getattr(c, f.attr().ino()).size(), "nothing committed before flush");
        vfs.flush(f.fh());
        assertArrayEquals(data, readFile(other, f.attr().ino()), "close-to-open: flushed data is visible at open");
    }

    @Test
    void aCrashedClientLosesOnlyWhatItHadNotFsynced() {
        TarnVfs doomed = fx.client();
        Vfs.Created f = doomed.create(c, doomed.rootIno(), "crash", 0644, OpenFlags.O_RDWR);
        byte[] durable = pattern(BLOCK + 500, 16);
        doomed.write(f.fh(), 0, buf(durable));
        doomed.fsync(f.fh(), false);
        doomed.write(f.fh(), 100, buf(pattern(3 * BLOCK, 17))); // full blocks of this upload at once, never committed
        // The client dies here: no flush, no release, no close. Another client sees exactly the fsynced state.
        TarnVfs survivor = fx.client();
        assertEquals(durable.length, survivor.getattr(c, f.attr().ino()).size());
        assertArrayEquals(durable, readFile(survivor, f.attr().ino()));
    }

    @Test
    void readPastEndAndAtEnd() {
        Vfs.Created f = create("f");
        vfs.write(f.fh(), 0, buf(new byte[]{1, 2, 3}));
        assertEquals(0, vfs.read(f.fh(), 3, 10).remaining());
        assertEquals(0, vfs.read(f.fh(), 1000, 10).remaining());
        assertArrayEquals(new byte[]{2, 3}, bytes(vfs.read(f.fh(), 1, 10)));
    }

    @Test
    void sparseFilesReadZerosInHoles() {
        Vfs.Created f = create("sparse");
        long far = 5L * BLOCK + 17;
        vfs.write(f.fh(), far, buf(new byte[]{9}));
        vfs.release(f.fh());
        long ino = f.attr().ino();
        assertEquals(far + 1, vfs.getattr(c, ino).size());
        byte[] all = readFile(vfs, ino);
        for (int i = 0; i < far; i++) assertEquals(0, all[i], "byte " + i);
        assertEquals(9, all[(int) far]);
        assertEquals(1, fx.mem.size(), "only the written block is stored");
    }

    @Test
    void partialOverwriteIsReadModifyWriteIntoANewObject() {
        Vfs.Created f = create("rmw");
        byte[] data = pattern(2 * BLOCK, 3);
        vfs.write(f.fh(), 0, buf(data));
        vfs.flush(f.fh());
        Set<String> before = keys();
        vfs.write(f.fh(), BLOCK + 10, buf(new byte[]{1, 2, 3}));
        vfs.release(f.fh());
        System.arraycopy(new byte[]{1, 2, 3}, 0, data, BLOCK + 10, 3);
        assertArrayEquals(data, readFile(fx.client(), f.attr().ino()));
        Set<String> after = keys();
        assertTrue(after.containsAll(before), "old objects are never overwritten or removed by the client");
        assertEquals(before.size() + 1, after.size(), "the rewritten block went to a new object");
    }

    @Test
    void objectsReplacedBeforeAnyCommitAreDeleted() {
        Vfs.Created f = create("churn");
        for (int i = 0; i < 5; i++) vfs.write(f.fh(), 0, buf(pattern(BLOCK, i))); // each full block uploads at once
        vfs.release(f.fh());
        while (fx.mem.size() > 1) Thread.onSpinWait(); // deletions run in the background; @Timeout bounds the wait
        assertEquals(1, fx.mem.size());
        assertArrayEquals(pattern(BLOCK, 4), readFile(fx.client(), f.attr().ino()));
    }

    @Test
    void sequentialOverwriteNeverReadsTheOldBlocks() {
        Vfs.Created f = create("over");
        vfs.write(f.fh(), 0, buf(pattern(3 * BLOCK, 14)));
        vfs.release(f.fh());
        TarnVfs other = fx.client();
        long fh = other.open(c, f.attr().ino(), OpenFlags.O_RDWR);
        byte[] fresh = pattern(3 * BLOCK - 100, 15);
        for (int off = 0; off < fresh.length; off += 65536)
            other.write(fh, off, ByteBuffer.wrap(fresh, off, Math.min(65536, fresh.length - off)));
        other.release(fh);
        byte[] expect = pattern(3 * BLOCK, 14);
        System.arraycopy(fresh, 0, expect, 0, fresh.length);
        assertArrayEquals(expect, readFile(fx.client(), f.attr().ino()));
        assertEquals(1, other.blockStore().stats().wholeGets(), "only the last block, whose tail was kept, was read");
    }

    @Test
    void noObjectKeyIsEverWrittenTwice() {
        Set<String> put = new HashSet<>();
        fx.store.inject(Op.PUT, k -> {
            assertTrue(put.add(k), "rewrote " + k);
            return false;
        }, new Fault.Fail(false), -1);
        Vfs.Created f = create("many");
        for (int i = 0; i < 20; i++) {
            vfs.write(f.fh(), (long) (i % 5) * 1000 + i * 7L, buf(pattern(BLOCK / 2 + i, i)));
            if (i % 3 == 0) vfs.flush(f.fh());
        }
        vfs.release(f.fh());
        assertFalse(put.isEmpty());
    }

    private Set<String> keys() {
        try (Stream<ObjectInfo> s = fx.mem.list("", null)) {
            return new HashSet<>(s.map(ObjectInfo::key).toList());
        }
    }

    @Test
    void appendWritesAtTheEnd() {
        Vfs.Created f = create("log");
        vfs.write(f.fh(), 0, buf(new byte[]{1, 2}));
        vfs.release(f.fh());
        long fh = vfs.open(c, f.attr().ino(), OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        vfs.write(fh, 0, buf(new byte[]{3}));
        vfs.write(fh, 0, buf(new byte[]{4, 5}));
        vfs.release(fh);
        assertArrayEquals(new byte[]{1, 2, 3, 4, 5}, readFile(vfs, f.attr().ino()));
    }

    @Test
    void openWithTruncEmptiesTheFile() {
        Vfs.Created f = create("t");
        vfs.write(f.fh(), 0, buf(pattern(BLOCK * 2, 4)));
        long fh = vfs.open(c, f.attr().ino(), OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        assertEquals(0, vfs.getattr(c, f.attr().ino()).size());
        assertEquals(0, vfs.read(f.fh(), 0, 100).remaining(), "the other handle sees the truncation too");
        vfs.write(fh, 0, buf(new byte[]{8}));
        vfs.release(fh);
        vfs.release(f.fh());
        assertArrayEquals(new byte[]{8}, readFile(vfs, f.attr().ino()));
    }

    @Test
    void truncateShrinksAndGrowsWithZeros() {
        Vfs.Created f = create("tr");
        byte[] data = pattern(3 * BLOCK, 5);
        vfs.write(f.fh(), 0, buf(data));
        long ino = f.attr().ino();
        assertEquals(BLOCK + 5, vfs.setattr(c, ino, SetAttr.size(BLOCK + 5)).size());
        assertArrayEquals(Arrays.copyOf(data, BLOCK + 5), bytes(vfs.read(f.fh(), 0, 4 * BLOCK)));
        vfs.setattr(c, ino, SetAttr.size(2L * BLOCK));
        byte[] expect = Arrays.copyOf(Arrays.copyOf(data, BLOCK + 5), 2 * BLOCK);
        assertArrayEquals(expect, bytes(vfs.read(f.fh(), 0, 4 * BLOCK)), "grown bytes are zeros, not the old data");
        vfs.release(f.fh());
        assertArrayEquals(expect, readFile(fx.client(), ino));
        vfs.setattr(c, ino, SetAttr.size(0));
        assertEquals(0, readFile(vfs, ino).length);
    }

    @Test
    void utimensAfterAWriteSticks() {
        Vfs.Created f = create("copy-p");
        vfs.write(f.fh(), 0, buf(pattern(1000, 13)));
        vfs.setattr(c, f.attr().ino(), SetAttr.times(5_000_000_000L, 7_000_000_000L));
        vfs.release(f.fh());
        Attr a = fx.client().getattr(c, f.attr().ino());
        assertEquals(7_000_000_000L, a.mtimeNs());
        assertEquals(1000, a.size());
    }

    @Test
    void truncateOfAFileNotOpenHere() {
        Vfs.Created f = create("closed");
        vfs.write(f.fh(), 0, buf(pattern(1000, 6)));
        vfs.release(f.fh());
        vfs.setattr(c, f.attr().ino(), SetAttr.size(10));
        assertArrayEquals(Arrays.copyOf(pattern(1000, 6), 10), readFile(vfs, f.attr().ino()));
    }

    @Test
    void unlinkedOpenFileLivesUntilRelease() {
        Vfs.Created f = create("gone");
        vfs.write(f.fh(), 0, buf(new byte[]{1, 2, 3}));
        vfs.flush(f.fh());
        vfs.unlink(c, vfs.rootIno(), "gone");
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> vfs.lookup(c, vfs.rootIno(), "gone")).errno());
        vfs.write(f.fh(), 3, buf(new byte[]{4}));
        vfs.fsync(f.fh(), false);
        assertArrayEquals(new byte[]{1, 2, 3, 4}, bytes(vfs.read(f.fh(), 0, 10)));
        assertEquals(4, vfs.getattr(c, f.attr().ino()).size());
        vfs.release(f.fh());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> vfs.getattr(c, f.attr().ino())).errno());
    }

    @Test
    void accessModesAreEnforced() {
        Vfs.Created f = create("ro");
        vfs.release(f.fh());
        long ro = vfs.open(c, f.attr().ino(), OpenFlags.O_RDONLY);
        assertEquals(Errno.EBADF, assertThrows(FsException.class, () -> vfs.write(ro, 0, buf(new byte[1]))).errno());
        long wo = vfs.open(c, f.attr().ino(), OpenFlags.O_WRONLY);
        assertEquals(Errno.EBADF, assertThrows(FsException.class, () -> vfs.read(wo, 0, 1)).errno());
        vfs.release(ro);
        vfs.release(wo);
    }

    @Test
    void fullBlocksUploadWhileTheWriterContinuesAndFlushWaitsForThem() throws Exception {
        var gate = fx.store.hold(Op.PUT);
        try {
            Vfs.Created f = create("par");
            byte[] data = pattern(4 * BLOCK, 7);
            vfs.write(f.fh(), 0, buf(data)); // returns although no upload can finish
            while (fx.store.calls(Op.PUT) < 4) Thread.onSpinWait();
            CompletableFuture<Void> flush = CompletableFuture.runAsync(() -> vfs.flush(f.fh()));
            assertFalse(flush.isDone());
            assertEquals(0, fx.client().getattr(c, f.attr().ino()).size(), "nothing committed while uploads are pending");
            gate.countDown();
            flush.get();
            assertArrayEquals(data, readFile(fx.client(), f.attr().ino()));
        } finally {
            gate.countDown();
        }
    }

    @Test
    void failedUploadFailsFlushAndALaterFlushSucceeds() {
        Vfs.Created f = create("flaky");
        byte[] data = pattern(BLOCK + 10, 8);
        fx.store.inject(Op.PUT, new Fault.Fail(false), -1);
        vfs.write(f.fh(), 0, buf(data));
        FsException e = assertThrows(FsException.class, () -> vfs.flush(f.fh()));
        assertEquals(Errno.EIO, e.errno());
        assertArrayEquals(data, bytes(vfs.read(f.fh(), 0, data.length)), "nothing is lost");
        assertEquals(0, fx.client().getattr(c, f.attr().ino()).size(), "nothing was committed");
        fx.store.clearFaults();
        vfs.flush(f.fh());
        vfs.release(f.fh());
        assertArrayEquals(data, readFile(fx.client(), f.attr().ino()));
    }

    @Test
    void corruptObjectReadsAsEioNotWrongBytes() {
        Vfs.Created f = create("bad");
        vfs.write(f.fh(), 0, buf(pattern(5000, 9)));
        vfs.release(f.fh());
        fx.store.inject(Op.GET, new Fault.FlipBit(200), -1);
        TarnVfs fresh = fx.client();
        long fh = fresh.open(c, f.attr().ino(), OpenFlags.O_RDONLY);
        FsException e = assertThrows(FsException.class, () -> fresh.read(fh, 0, 5000));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("/blocks/"), e.getMessage());
    }

    @Test
    void writesLargerThanABlockAndAtOddOffsets() {
        Vfs.Created f = create("odd");
        byte[] ref = new byte[4 * BLOCK];
        int[][] writes = {{7, BLOCK * 2}, {BLOCK - 3, 10}, {3 * BLOCK + 5, BLOCK - 5}, {0, 1}};
        for (int[] w : writes) {
            byte[] d = pattern(w[1], w[0]);
            vfs.write(f.fh(), w[0], buf(d));
            System.arraycopy(d, 0, ref, w[0], w[1]);
        }
        assertArrayEquals(ref, bytes(vfs.read(f.fh(), 0, ref.length)));
        vfs.release(f.fh());
        assertArrayEquals(ref, readFile(fx.client(), f.attr().ino()));
    }

    @Test
    void writeBufferIsBoundedAndWritersWaitForUploads() throws Exception {
        TarnVfs small = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(3 * io.tarn.client.block.HeapFootprint.ofArray(BLOCK)).withRetry(VfsFixture.FAST));
        var gate = fx.store.hold(Op.PUT);
        try {
            Vfs.Created f = small.create(c, small.rootIno(), "bounded", 0644, OpenFlags.O_WRONLY);
            byte[] data = pattern(10 * BLOCK, 10);
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> small.write(f.fh(), 0, buf(data)));
            while (small.writeBudget().waits() == 0) Thread.onSpinWait();
            assertFalse(writer.isDone(), "the writer waits for memory");
            assertEquals(3, small.writeBudget().inUse());
            gate.countDown();
            assertEquals(data.length, writer.get());
            assertTrue(small.writeBudget().inUse() <= 3);
            small.release(f.fh());
            assertEquals(0, small.writeBudget().inUse(), "all buffers come back");
            assertArrayEquals(data, readFile(fx.client(), f.attr().ino()));
        } finally {
            gate.countDown();
        }
    }

    @Test
    void aWriterWaitingForMemoryGetsEioWhenUploadsKeepFailing() {
        RetryPolicy quick = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofMillis(100), Duration.ZERO);
        TarnVfs small = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(2L * BLOCK).withRetry(quick));
        fx.store.inject(Op.PUT, new Fault.Fail(false), -1);
        Vfs.Created f = small.create(c, small.rootIno(), "doomed", 0644, OpenFlags.O_WRONLY);
        FsException e = assertThrows(FsException.class, () -> small.write(f.fh(), 0, buf(new byte[5 * BLOCK])));
        assertEquals(Errno.EIO, e.errno());
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> small.release(f.fh())).errno());
        assertEquals(0, small.writeBudget().inUse(), "a failed close gives the memory back");
    }

    @Test
    void partialBlocksOfManyFilesAreWrittenBackUnderPressure() {
        TarnVfs small = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(2L * BLOCK).withRetry(VfsFixture.FAST));
        List<Vfs.Created> open = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Vfs.Created f = small.create(c, small.rootIno(), "p" + i, 0644, OpenFlags.O_RDWR);
            small.write(f.fh(), 0, buf(pattern(100, i)));
            open.add(f);
        }
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(pattern(100, i), bytes(small.read(open.get(i).fh(), 0, 100)));
            small.release(open.get(i).fh());
            assertArrayEquals(pattern(100, i), readFile(fx.client(), open.get(i).attr().ino()));
        }
    }

    @Test
    void randomReadsOfAFileFetchOnlyTheChunksTheyNeed() {
        try (VfsFixture raw = new VfsFixture("none")) {
            TarnVfs a = raw.client();
            Vfs.Created f = a.create(c, a.rootIno(), "r", 0644, OpenFlags.O_WRONLY);
            byte[] data = pattern(2 * BLOCK, 11);
            a.write(f.fh(), 0, buf(data));
            a.release(f.fh());
            TarnVfs b = raw.client();
            long fh = b.open(c, f.attr().ino(), OpenFlags.O_RDONLY);
            byte[] got = bytes(b.read(fh, BLOCK + 5000, 100));
            assertArrayEquals(Arrays.copyOfRange(data, BLOCK + 5000, BLOCK + 5100), got);
            assertEquals(0, b.blockStore().stats().wholeGets());
            assertTrue(b.blockStore().stats().bytesDown() < BLOCK / 2);
            b.release(fh);
        }
    }

    @Test
    void sequentialReadsFetchAhead() {
        Vfs.Created f = create("seq");
        byte[] data = pattern(6 * BLOCK, 12);
        vfs.write(f.fh(), 0, buf(data));
        vfs.release(f.fh());
        TarnVfs reader = fx.client(ClientConfig.DEFAULTS.withReadahead(3).withRetry(VfsFixture.FAST));
        long fh = reader.open(c, f.attr().ino(), OpenFlags.O_RDONLY);
        assertArrayEquals(Arrays.copyOf(data, 4096), bytes(reader.read(fh, 0, 4096)));
        assertEquals(3, reader.blockStore().stats().prefetches(), "blocks 1-3 are fetched ahead");
        byte[] all = new byte[data.length];
        for (int off = 4096; off < data.length; off += 64 * 1024) {
            byte[] part = bytes(reader.read(fh, off, 64 * 1024));
            System.arraycopy(part, 0, all, off, part.length);
        }
        System.arraycopy(data, 0, all, 0, 4096);
        assertArrayEquals(data, all);
        assertEquals(6, reader.blockStore().stats().wholeGets(), "every block fetched once, ahead or on demand");
        reader.release(fh);
    }

    @Test
    void attrOfAnOpenFileWithoutWritesIsTheServers() {
        Vfs.Created f = create("plain");
        Attr a = vfs.getattr(c, f.attr().ino());
        assertEquals(0, a.size());
        vfs.release(f.fh());
    }
}
