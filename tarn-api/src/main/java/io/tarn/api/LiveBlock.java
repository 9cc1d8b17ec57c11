package io.tarn.api;

/** One entry of a volume's live block maps: block {@code block} of inode {@code ino}. Ordered by (ino, index). */
public record LiveBlock(long ino, BlockRef block) {}
