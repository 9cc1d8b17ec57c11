package io.tarn.api;

/**
 * One entry of a volume's live block maps: block {@code block} of inode {@code ino}. Ordered by (ino, index).
 * {@code inline}: the block is kept in the block map, with no object in the store (ADR 0141); its payload is
 * not carried here (GC and fsck need ids, not bytes), so {@code block.inline()} is null.
 */
public record LiveBlock(long ino, BlockRef block, boolean inline) {
    public LiveBlock {
        if (block.isInline()) {
            inline = true;
            block = new BlockRef(block.index(), block.blockId(), block.length(), block.storedLength(), block.checksum());
        }
    }

    public LiveBlock(long ino, BlockRef block) {
        this(ino, block, block.isInline());
    }
}
