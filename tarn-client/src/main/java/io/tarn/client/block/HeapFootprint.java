package io.tarn.client.block;

/**
 * What a byte array really occupies in the mount daemon's heap. The daemon runs ZGC (ADR 0070), which
 * puts an object larger than 4 MiB on a page of its own rounded up to 2 MiB: a 4 MiB block buffer (4 MiB
 * plus a 16-byte header) takes 6 MiB. Budgets of block-sized buffers that counted 4 MiB each let the
 * heap fill half again beyond its bound: a 4 GiB checkpoint written after a read that filled the block
 * cache ran the daemon out of heap. Budgets and the heap size are counted in these footprints instead.
 */
public final class HeapFootprint {
    private static final long HEADER = 16, LARGE = 4L << 20, GRANULE = 2L << 20;

    private HeapFootprint() {}

    /** Heap bytes of a {@code byte[length]}. */
    public static long ofArray(long length) {
        long size = length + HEADER;
        return size > LARGE ? (size + GRANULE - 1) / GRANULE * GRANULE : size;
    }
}
