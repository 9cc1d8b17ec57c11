package io.tarn.api;

/**
 * A block that left a volume's live map at {@code timeNs} (replaced, truncated away, or of a deleted
 * file) and is kept for time travel: {@code blockId} is its object, {@code ino}/{@code index} where it
 * was, {@code storedLength} the object's size. Garbage records are ordered by (timeNs, blockId).
 */
public record GarbageBlock(long timeNs, long blockId, long ino, long index, int storedLength) {}
