package io.tarn.api;

import java.util.Arrays;

/**
 * One block of a file: block {@code index} (covering bytes {@code [index*blockSize, (index+1)*blockSize)})
 * is stored as the immutable object with id {@code blockId}. {@code length} is the number of plain
 * bytes of the block that belong to the file (beyond it, up to the file size, the block reads as
 * zeros); {@code storedLength} is the object's size and {@code checksum} the CRC32C of its payload, so
 * the object can be verified without the file. An index with no BlockRef is a hole (zeros).
 *
 * <p>{@code inline}, when not null, is the whole encoded object itself, kept in the block map instead of
 * the object store (ADR 0141): no object with id {@code blockId} exists, and the bytes are exactly what
 * would have been stored ({@code storedLength} of them, encrypted on an encrypted volume). The id is
 * still unique, so caches and history keyed by it work alike. The array must not be modified.
 */
public record BlockRef(long index, long blockId, int length, int storedLength, int checksum, byte[] inline) {
    /** The largest inline payload a metadata server accepts (a commit with a larger one is EINVAL). */
    public static final int INLINE_MAX = 64 * 1024;

    /** A block stored as an object. */
    public BlockRef(long index, long blockId, int length, int storedLength, int checksum) {
        this(index, blockId, length, storedLength, checksum, null);
    }

    /** True if the encoded block lives in the block map, with no object in the store. */
    public boolean isInline() {
        return inline != null;
    }

    /** The same block with {@code length} plain bytes belonging to the file (a truncation). */
    public BlockRef withLength(int length) {
        return new BlockRef(index, blockId, length, storedLength, checksum, inline);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockRef b && index == b.index && blockId == b.blockId && length == b.length
                && storedLength == b.storedLength && checksum == b.checksum && Arrays.equals(inline, b.inline);
    }

    @Override
    public int hashCode() {
        int h = 31 * Long.hashCode(index) + Long.hashCode(blockId);
        h = 31 * (31 * (31 * h + length) + storedLength) + checksum;
        return 31 * h + Arrays.hashCode(inline);
    }

    @Override
    public String toString() {
        return "BlockRef[index=" + index + ", blockId=" + blockId + ", length=" + length + ", storedLength=" + storedLength
                + ", checksum=" + checksum + (inline == null ? "" : ", inline=" + inline.length + " bytes") + "]";
    }
}
