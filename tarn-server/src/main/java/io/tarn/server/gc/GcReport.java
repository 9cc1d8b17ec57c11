package io.tarn.server.gc;

/**
 * What one collection did (or, on a dry run, would do): expired garbage objects and bytes, uploads
 * no file ever committed ("leaked"), and unreferenced objects kept because they are too young or a
 * session that may still commit them lives.
 */
public record GcReport(long garbageObjects, long garbageBytes, long leakedObjects, long leakedBytes, long keptUnreferenced) {
    public long objects() {
        return garbageObjects + leakedObjects;
    }

    public long bytes() {
        return garbageBytes + leakedBytes;
    }
}
