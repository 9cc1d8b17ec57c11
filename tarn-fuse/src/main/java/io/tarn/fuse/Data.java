package io.tarn.fuse;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The bytes of a READ reply as one or more segments, written to the kernel with one gathering
 * write and no copy. Keep them off the Java heap for speed; heap segments are copied.
 */
public record Data(MemorySegment... parts) {
    public static final Data EMPTY = new Data();

    public static Data of(ByteBuffer buffer) {
        return new Data(MemorySegment.ofBuffer(buffer));
    }

    public static Data of(byte[] bytes) {
        return new Data(MemorySegment.ofArray(bytes));
    }

    public long size() {
        long n = 0;
        for (MemorySegment p : parts) n += p.byteSize();
        return n;
    }
}
