package io.tarn.client;

import io.tarn.api.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.tarn.client.VfsFixture.BLOCK;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Many writers at once under a write budget far smaller than their data: nobody deadlocks, memory stays
 * within the budget, and every byte lands where it was written.
 */
@Timeout(90)
class ConcurrentWritersTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void manyFilesAndOneSharedFileUnderATinyBudget() throws Exception {
        TarnVfs vfs = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(3L * BLOCK).withConcurrency(2, 2).withRetry(VfsFixture.FAST));
        int files = 6, fileSize = 5 * BLOCK;
        long seed = new Random().nextLong();
        long shared = vfs.create(c, vfs.rootIno(), "shared", 0644, OpenFlags.O_RDWR).attr().ino();
        byte[] sharedModel = new byte[4 * 2 * BLOCK];
        List<Future<byte[]>> results = new ArrayList<>();
        long[] inos = new long[files];
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < files; t++) {
                int id = t;
                Vfs.Created f = vfs.create(c, vfs.rootIno(), "f" + t, 0644, OpenFlags.O_RDWR);
                inos[t] = f.attr().ino();
                results.add(ex.submit(() -> {
                    Random rnd = new Random(seed + id);
                    byte[] model = new byte[fileSize];
                    int written = 0;
                    for (int i = 0; i < 150; i++) {
                        int off = rnd.nextInt(fileSize - 1);
                        int len = 1 + rnd.nextInt(Math.min(fileSize - off, BLOCK + 100));
                        byte[] d = new byte[len];
                        rnd.nextBytes(d);
                        vfs.write(f.fh(), off, ByteBuffer.wrap(d));
                        System.arraycopy(d, 0, model, off, len);
                        written = Math.max(written, off + len);
                        assertTrue(vfs.writeBudget().inUse() <= vfs.writeBudget().buffers());
                        if (i % 50 == 49) vfs.fsync(f.fh(), false);
                        if (i % 7 == 0) {
                            byte[] back = VfsFixture.bytes(vfs.read(f.fh(), off, len));
                            assertArrayEquals(java.util.Arrays.copyOfRange(model, off, off + len), back, "seed " + seed);
                        }
                    }
                    vfs.release(f.fh());
                    return java.util.Arrays.copyOf(model, written);
                }));
            }
            // Four writers share one file through their own handles, each in its own region.
            List<Future<?>> sharers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                sharers.add(ex.submit(() -> {
                    long fh = vfs.open(c, shared, OpenFlags.O_RDWR);
                    Random rnd = new Random(seed * 31 + id);
                    int base = id * 2 * BLOCK;
                    for (int i = 0; i < 60; i++) {
                        int off = rnd.nextInt(2 * BLOCK - 1);
                        int len = 1 + rnd.nextInt(Math.min(2 * BLOCK - off, 70_000));
                        byte[] d = new byte[len];
                        rnd.nextBytes(d);
                        vfs.write(fh, base + off, ByteBuffer.wrap(d));
                        synchronized (sharedModel) {
                            System.arraycopy(d, 0, sharedModel, base + off, len);
                        }
                        vfs.read(fh, rnd.nextInt(8 * BLOCK), 5000); // concurrent reads must not fail
                    }
                    vfs.release(fh);
                    return null;
                }));
            }
            for (Future<?> f : sharers) f.get();
            for (int t = 0; t < files; t++) {
                byte[] model = results.get(t).get();
                assertArrayEquals(model, read(fx.client(), inos[t]), "file " + t + ", seed " + seed);
            }
        }
        byte[] got = read(fx.client(), shared);
        assertArrayEquals(java.util.Arrays.copyOf(sharedModel, got.length), got, "shared file, seed " + seed);
        assertEquals(0, vfs.writeBudget().inUse());
    }

    @Test
    void concurrentAppendsLandWhole() throws Exception {
        TarnVfs vfs = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(4L * BLOCK).withRetry(VfsFixture.FAST));
        long ino = vfs.create(c, vfs.rootIno(), "log", 0644, OpenFlags.O_WRONLY).attr().ino();
        int writers = 8, records = 40, recordSize = 10_000;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                byte tag = (byte) (t + 1);
                fs.add(ex.submit(() -> {
                    long fh = vfs.open(c, ino, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
                    byte[] rec = new byte[recordSize];
                    java.util.Arrays.fill(rec, tag);
                    for (int i = 0; i < records; i++) vfs.write(fh, 0, ByteBuffer.wrap(rec));
                    vfs.release(fh);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        byte[] all = read(vfs, ino);
        assertEquals(writers * records * recordSize, all.length);
        for (int r = 0; r < writers * records; r++) {
            byte tag = all[r * recordSize];
            for (int i = 1; i < recordSize; i++)
                if (all[r * recordSize + i] != tag) fail("record " + r + " is torn at byte " + i);
        }
    }

    private byte[] read(TarnVfs v, long ino) {
        long fh = v.open(c, ino, OpenFlags.O_RDONLY);
        try {
            return VfsFixture.bytes(v.read(fh, 0, (int) v.getattr(c, ino).size()));
        } finally {
            v.release(fh);
        }
    }
}
