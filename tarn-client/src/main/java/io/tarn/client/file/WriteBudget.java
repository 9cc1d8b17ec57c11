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
 */
public final class WriteBudget {
    private final int blockSize;
    private final int buffers;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final Set<OpenFile> holders = ConcurrentHashMap.newKeySet();
    private final AtomicLong waits = new AtomicLong();

    private final long maxWaitNanos;

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

    /**
     * A zeroed block buffer; waits (after starting write-back) while the budget is used up. EIO if none is
     * freed within the maximum wait.
     */
    byte[] acquire() {
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
        byte[] b = free.poll();
        if (b == null) return new byte[blockSize];
        Arrays.fill(b, (byte) 0);
        return b;
    }

    void release(byte[] buf) {
        free.offer(buf);
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
