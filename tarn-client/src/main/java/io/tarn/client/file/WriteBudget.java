package io.tarn.client.file;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all open files of a client may hold in unflushed block buffers: a fixed number of
 * block-sized buffers, recycled. A writer that finds none free asks every file holding idle dirty
 * blocks to start uploading them, then waits for one to come back (back-pressure). Nobody waits here
 * while holding a file's lock, so the uploads that free buffers can always proceed.
 * <p>
 * A block whose first write ends within {@link #SMALL} bytes starts in an array of that size, and moves
 * to a block-sized one only if it outgrows it ({@link #grow}); its permit counts a whole block either
 * way, so the bound holds. A small file then costs a 64 KiB array, not a zeroed 4 MiB one: a profile of
 * 2,000 small files had the daemon spend most of its CPU clearing and collecting block-sized arrays.
 */
public final class WriteBudget {
    private final int blockSize;
    private final int buffers;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final Set<OpenFile> holders = ConcurrentHashMap.newKeySet();
    private final AtomicLong waits = new AtomicLong();

    private final long maxWaitNanos;

    /** The array a block starts in when its first write ends within it. */
    static final int SMALL = 64 << 10;

    /**
     * {@code maxWait}: how long a writer waits for memory before giving up with EIO (the uploads that
     * would free it keep failing); it should outlast the object store's retry deadline.
     */
    public WriteBudget(long bytes, int blockSize, java.time.Duration maxWait) {
        this.maxWaitNanos = maxWait.toNanos();
        this.blockSize = blockSize;
        this.buffers = (int) Math.max(2, Math.min(Integer.MAX_VALUE, bytes / io.tarn.client.block.HeapFootprint.ofArray(blockSize)));
        this.permits = new Semaphore(buffers);
    }

    /** A zeroed block-sized buffer; see {@link #acquire(int)}. */
    byte[] acquire() {
        return acquire(blockSize);
    }

    /**
     * A zeroed buffer for a block whose first write ends at {@code need}: {@link #SMALL} bytes if that is
     * enough, else block-sized. Waits (after starting write-back) while the budget is used up; EIO if none
     * is freed within the maximum wait.
     */
    byte[] acquire(int need) {
        if (!permits.tryAcquire()) {
            waits.incrementAndGet();
            long start = System.nanoTime();
            try {
                do {
                    if (System.nanoTime() - start > maxWaitNanos)
                        throw new FsException(Errno.EIO, "no write buffer memory came free in "
                                + java.time.Duration.ofNanos(maxWaitNanos) + ": uploads to the object store are failing");
                    for (OpenFile f : holders) f.writeBackIdle();
                } while (!permits.tryAcquire(50, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FsException(Errno.EINTR, "interrupted while waiting for write buffer memory");
            }
        }
        return need <= SMALL && SMALL < blockSize ? new byte[SMALL] : blockSized();
    }

    /** A block-sized copy of a small buffer whose block outgrew it; the permit it holds already counts a whole block. */
    byte[] grow(byte[] small) {
        byte[] b = blockSized();
        System.arraycopy(small, 0, b, 0, small.length);
        return b;
    }

    private byte[] blockSized() {
        byte[] b = free.poll();
        if (b == null) return new byte[blockSize];
        Arrays.fill(b, (byte) 0);
        return b;
    }

    void release(byte[] buf) {
        if (buf.length == blockSize) free.offer(buf);
        permits.release();
    }

    /** Gives a buffer's memory back to the budget without recycling the array: it lives on elsewhere (the block cache). */
    void handOver(byte[] buf) {
        permits.release();
    }

    /**
     * Takes back a block-sized array that left the block cache unread (see {@code BlockCache.putWritten}),
     * if the budget has room for another idle buffer: arrays the budget owns stay within its bound.
     */
    public void recycle(byte[] buf) {
        if (buf.length == blockSize && free.size() + inUse() < buffers) free.offer(buf);
    }

    void holding(OpenFile f, boolean dirty) {
        if (dirty) holders.add(f);
        else holders.remove(f);
    }

    /** Buffers in the budget. */
    public int buffers() {
        return buffers;
    }

    /** Buffers in use right now. */
    public int inUse() {
        return buffers - permits.availablePermits();
    }

    /** How many times a writer had to wait for memory. */
    public long waits() {
        return waits.get();
    }
}
