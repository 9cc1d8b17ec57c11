package io.tarn.api;

/**
 * One block of a file: block {@code index} (covering bytes {@code [index*blockSize, (index+1)*blockSize)})
 * is stored as the immutable object with id {@code blockId}. {@code length} is the number of plain
 * bytes of the block that belong to the file (beyond it, up to the file size, the block reads as
 * zeros); {@code storedLength} is the object's size and {@code checksum} the CRC32C of its payload, so
 * the object can be verified without the file. An index with no BlockRef is a hole (zeros).
 */
public record BlockRef(long index, long blockId, int length, int storedLength, int checksum) {}
