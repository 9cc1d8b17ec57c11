package io.tarn.cli.mount;

import io.tarn.client.ClientConfig;
import io.tarn.client.block.HeapFootprint;

import java.util.List;

/**
 * JVM options that keep a mount daemon's resident memory near what its {@link ClientConfig} allows
 * (ADR 0070): a heap sized for the client's buffers and caches plus a margin, a cap on direct memory
 * (FUSE buffers, NIO's copies of heap buffers), and no unbounded per-thread NIO buffer cache. Without
 * them the JVM takes a quarter of the machine's memory as its heap limit and lets garbage grow into it.
 */
public final class DaemonMemory {
    /** Heap for everything that is not file data: metadata, open files, directory cursors, the JIT's garbage. */
    static final long MARGIN = 128L << 20;
    static final long DIRECT = 128L << 20;

    private DaemonMemory() {}

    /**
     * The heap the client's file data can occupy, plus the margin. The write buffers and the block cache
     * count their arrays' real footprint already; an upload's encoded copy and a download's fetched object
     * are block-sized arrays too, each in regions of its own ({@link HeapFootprint}).
     */
    public static long heapBytes(ClientConfig c, int blockSize) {
        long data = c.writeBufferBytes() + c.cacheBytes()
                + (long) c.uploadConcurrency() * HeapFootprint.ofArray(blockSize + 4096L)
                + (long) c.downloadConcurrency() * HeapFootprint.ofArray(blockSize + 4096L);
        return data + MARGIN;
    }

    /** Options to start the daemon's JVM with; {@code blockSize} is the largest block the volumes may use. */
    public static List<String> jvmOptions(ClientConfig c, int blockSize) {
        // G1, not ZGC (ADR 0070, Decision 8): block arrays live in humongous regions that are never copied
        // and, once dead, are freed at the next young collection; sequential reads ran 20-80% faster.
        // Full caches are the normal state, so a fixed 80% starts concurrent marking: the adaptive
        // threshold fell below the caches' size and started a cycle at almost every block allocation.
        // The periodic collection gives an idle daemon's heap back.
        return List.of("-Xmx" + (heapBytes(c, blockSize) >> 20) + "m", "-XX:MaxDirectMemorySize=" + (DIRECT >> 20) + "m",
                "-Djdk.nio.maxCachedBufferSize=262144", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=" + (HeapFootprint.REGION >> 20) + "m",
                "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=80", "-XX:G1PeriodicGCInterval=60000");
    }
}
