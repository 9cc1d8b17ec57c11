package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.MetaService;
import io.tarn.api.ObjectStore;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.objectstore.LocalDirObjectStore;
import io.tarn.objectstore.FaultInjectingObjectStore;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.objectstore.RetryPolicy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of random writes, overwrites, truncates, appends, flushes, reopens and remounts on one file
 * through the Vfs, mirrored on a local file; both are compared byte for byte at checkpoints and after
 * every remount (a fresh client over the same metadata and store). Seeded: the seed is in every failure
 * message; rerun one with -Dtarn.seed=N.
 */
@Timeout(120)
class RandomizedIntegrityTest {
    private static final int BLOCK = VolumeSpec.MIN_BLOCK_SIZE;
    private static final long MAX_SIZE = 12L * BLOCK + 12345;
    private static final long TIME_BUDGET_NS = 12_000_000_000L;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} store, {1} compression, {2} ops")
    @CsvSource({"local, lz4, 3000", "memory, none, 3000", "memory, zstd, 1500", "flaky, lz4, 1500"})
    void randomOperationsMatchALocalFile(String storeKind, String compression, int ops) throws Exception {
        long seed = Long.getLong("tarn.seed", new Random().nextLong());
        System.out.println("RandomizedIntegrityTest seed=" + seed + " (" + storeKind + ", " + compression + ")");
        try {
            run(seed, storeKind, compression, ops);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("failed with seed " + seed + " (rerun with -Dtarn.seed=" + seed + "): " + e.getMessage(), e);
        }
    }

    private void run(long seed, String storeKind, String compression, int ops) throws IOException {
        Random rnd = new Random(seed);
        MetaService meta = new LocalMetaService(new MemoryKvStore());
        meta.createVolume(new VolumeSpec("v", "mem://unused", BLOCK, compression, 0));
        ObjectStore store = switch (storeKind) {
            case "local" -> new LocalDirObjectStore(tmp.resolve("store"));
            case "flaky" -> {
                // Every 7th store call fails (retryably): the client's retries must hide all of them.
                FaultInjectingObjectStore f = new FaultInjectingObjectStore(new MemoryObjectStore());
                AtomicLong calls = new AtomicLong();
                for (FaultInjectingObjectStore.Op o : FaultInjectingObjectStore.Op.values())
                    f.inject(o, k -> calls.incrementAndGet() % 7 == 0, new FaultInjectingObjectStore.Fault.Fail(true), -1);
                yield f;
            }
            default -> new MemoryObjectStore();
        };
        RetryPolicy retry = new RetryPolicy(8, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ZERO);
        // A small write budget, so back-pressure and write-back of partial blocks happen all the time.
        ClientConfig cfg = ClientConfig.DEFAULTS.withWriteBuffer(4L * BLOCK).withCache(6L * BLOCK).withRetry(retry);
        Caller c = Caller.ROOT;
        TarnVfs vfs = new TarnVfs(meta, store, "v", cfg);
        long ino = vfs.create(c, vfs.rootIno(), "f", 0644, OpenFlags.O_RDWR).fh();
        vfs.release(ino);
        ino = vfs.lookup(c, vfs.rootIno(), "f").ino();
        long fh = vfs.open(c, ino, OpenFlags.O_RDWR);
        TarnVfs peer = new TarnVfs(meta, store, "v", cfg);
        long start = System.nanoTime();
        int remounts = 0, checkpoints = 0, done = 0;
        try (RandomAccessFile ref = new RandomAccessFile(tmp.resolve("reference").toFile(), "rw")) {
            for (int op = 0; op < ops && System.nanoTime() - start < TIME_BUDGET_NS; op++) {
                done = op + 1;
                long size = ref.length();
                int kind = rnd.nextInt(100);
                String what;
                if (kind < 45) {
                    long off = randomOffset(rnd, size);
                    byte[] data = randomData(rnd, (int) Math.min(length(rnd), MAX_SIZE - off));
                    what = "write " + data.length + " at " + off;
                    assertEquals(data.length, vfs.write(fh, off, ByteBuffer.wrap(data)), what);
                    ref.seek(off);
                    ref.write(data);
                } else if (kind < 55) {
                    byte[] data = randomData(rnd, (int) Math.min(length(rnd), MAX_SIZE - size));
                    what = "append " + data.length;
                    long ah = vfs.open(c, ino, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
                    vfs.write(ah, 0, ByteBuffer.wrap(data));
                    if (rnd.nextBoolean()) vfs.release(ah);
                    else {
                        ref.seek(size);
                        ref.write(data);
                        vfs.flush(ah);
                        vfs.release(ah);
                        continue;
                    }
                    ref.seek(size);
                    ref.write(data);
                } else if (kind < 63) {
                    long newSize = rnd.nextInt(4) == 0 ? 0 : (long) (rnd.nextDouble() * MAX_SIZE);
                    what = "truncate to " + newSize;
                    assertEquals(newSize, vfs.setattr(c, ino, SetAttr.size(newSize)).size(), what);
                    ref.setLength(newSize);
                } else if (kind < 80) {
                    long off = randomOffset(rnd, size);
                    int len = length(rnd);
                    what = "read " + len + " at " + off;
                    byte[] got = VfsFixture.bytes(vfs.read(fh, off, len));
                    byte[] want = readRef(ref, off, len);
                    assertArrayEquals(want, got, what + " (op " + op + ")");
                } else if (kind < 86) {
                    what = rnd.nextBoolean() ? "fsync" : "flush";
                    if (what.equals("fsync")) vfs.fsync(fh, false);
                    else vfs.flush(fh);
                } else if (kind < 93) {
                    boolean trunc = rnd.nextInt(8) == 0;
                    what = trunc ? "reopen with O_TRUNC" : "reopen";
                    vfs.release(fh);
                    fh = vfs.open(c, ino, trunc ? OpenFlags.O_RDWR | OpenFlags.O_TRUNC : OpenFlags.O_RDWR);
                    if (trunc) ref.setLength(0);
                } else if (kind < 95) {
                    what = "flush, then read by another client";
                    vfs.flush(fh);
                    long pfh = peer.open(c, ino, OpenFlags.O_RDONLY); // close-to-open: sees everything flushed
                    compareWhole(peer, c, ino, pfh, ref, "by another client at op " + op);
                    peer.release(pfh);
                } else if (kind < 97) {
                    what = "checkpoint";
                    checkpoints++;
                    compareWhole(vfs, c, ino, fh, ref, "checkpoint at op " + op);
                } else {
                    what = "remount";
                    remounts++;
                    vfs.release(fh);
                    vfs.close();
                    vfs = new TarnVfs(meta, store, "v", cfg);
                    fh = vfs.open(c, ino, OpenFlags.O_RDWR);
                    compareWhole(vfs, c, ino, fh, ref, "after remount at op " + op);
                }
                assertEquals(ref.length(), vfs.getattr(c, ino).size(), "size after " + what + " (op " + op + ")");
            }
            vfs.release(fh);
            vfs.close();
            peer.close();
            TarnVfs fresh = new TarnVfs(meta, store, "v", cfg);
            long rfh = fresh.open(c, ino, OpenFlags.O_RDONLY);
            compareWhole(fresh, c, ino, rfh, ref, "final remount");
            fresh.release(rfh);
            assertEquals(0, fresh.writeBudget().inUse());
            fresh.close();
            System.out.println("RandomizedIntegrityTest: " + done + " operations, " + remounts + " remounts, " + checkpoints + " checkpoints, final size " + ref.length());
        } finally {
            meta.close();
            store.close();
        }
    }

    private static void compareWhole(Vfs vfs, Caller c, long ino, long fh, RandomAccessFile ref, String when) throws IOException {
        long size = ref.length();
        assertEquals(size, vfs.getattr(c, ino).size(), "size " + when);
        byte[] want = readRef(ref, 0, (int) size + 1);
        byte[] got = VfsFixture.bytes(vfs.read(fh, 0, (int) size + 1));
        if (!Arrays.equals(want, got)) {
            int i = Arrays.mismatch(want, got);
            fail("content differs " + when + " at byte " + i + " (block " + (i / BLOCK) + "), sizes " + want.length + "/" + got.length);
        }
    }

    private static byte[] readRef(RandomAccessFile ref, long off, int len) throws IOException {
        long size = ref.length();
        if (off >= size) return new byte[0];
        byte[] b = new byte[(int) Math.min(len, size - off)];
        ref.seek(off);
        ref.readFully(b);
        return b;
    }

    private static long randomOffset(Random rnd, long size) {
        return switch (rnd.nextInt(5)) {
            case 0 -> size; // at the end
            case 1 -> (long) (rnd.nextDouble() * Math.min(MAX_SIZE - 1, size + 2L * BLOCK)); // maybe past the end: a hole
            case 2 -> (long) rnd.nextInt(12) * BLOCK + (rnd.nextBoolean() ? 0 : BLOCK - 1 - rnd.nextInt(3)); // block edges
            default -> size == 0 ? 0 : (long) (rnd.nextDouble() * size);
        };
    }

    private static int length(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 1 + rnd.nextInt(100);
            case 1 -> 1 + rnd.nextInt(64 * 1024);
            case 2 -> BLOCK;
            default -> 1 + rnd.nextInt(3 * BLOCK);
        };
    }

    private static byte[] randomData(Random rnd, int len) {
        byte[] b = new byte[Math.max(0, len)];
        if (rnd.nextBoolean()) rnd.nextBytes(b);
        else Arrays.fill(b, (byte) rnd.nextInt(256)); // compressible
        return b;
    }
}
