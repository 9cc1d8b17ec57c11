package io.tarn.client.block;

/**
 * What a byte array really occupies in the mount daemon's heap. The daemon runs G1 with 1 MiB regions
 * (ADR 0070, Decision 8), which puts an object of half a region or more in whole regions of its own
 * ("humongous"): a 4 MiB block buffer (4 MiB plus a 16-byte header) takes 5 MiB. Budgets of block-sized
 * buffers that counted 4 MiB each let the heap fill beyond its bound: a 4 GiB checkpoint written after a
 * read that filled the block cache ran the daemon out of heap. Budgets and the heap size are counted in
 * these footprints instead.
 */
public final class HeapFootprint {
    /** The region size the daemon's JVM is started with ({@code -XX:G1HeapRegionSize}). */
    public static final long REGION = 1L << 20;
    private static final long HEADER = 16;

    private HeapFootprint() {}

    /** Heap bytes of a {@code byte[length]}. */
    public static long ofArray(long length) {
        long size = length + HEADER;
        return size >= REGION / 2 ? (size + REGION - 1) / REGION * REGION : size;
    }
}
