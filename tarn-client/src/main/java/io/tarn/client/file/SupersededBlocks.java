package io.tarn.client.file;

import io.tarn.api.BlockRef;
import io.tarn.client.block.BlockStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Objects uploaded for a file but replaced (or dropped) before any commit: no block map and no history
 * can reach them, so they are deleted rather than left for GC, but only once no read that may have
 * picked one up is still fetching. Not thread-safe: the owning {@link OpenFile}'s lock guards it.
 */
final class SupersededBlocks {
    private static final System.Logger LOG = System.getLogger(SupersededBlocks.class.getName());

    private final BlockStore blocks;
    private final List<Long> deferred = new ArrayList<>();
    private int readsInFlight;

    SupersededBlocks(BlockStore blocks) {
        this.blocks = blocks;
    }

    /** A read took its snapshot of block refs and is about to fetch them. */
    void readStarted() {
        readsInFlight++;
    }

    /** That read's fetches are over. */
    void readEnded() {
        if (--readsInFlight == 0 && !deferred.isEmpty()) {
            delete(List.copyOf(deferred));
            deferred.clear();
        }
    }

    void drop(BlockRef ref) {
        drop(List.of(ref));
    }

    /** Inline blocks have no object: they are just forgotten. */
    void drop(java.util.Collection<BlockRef> refs) {
        dropIds(refs.stream().filter(r -> !r.isInline()).map(BlockRef::blockId).toList());
    }

    private void dropIds(List<Long> blockIds) {
        if (blockIds.isEmpty()) return;
        if (readsInFlight == 0) delete(blockIds);
        else deferred.addAll(blockIds);
    }

    private void delete(List<Long> blockIds) {
        Thread.ofVirtual().name("tarn-superseded").start(() -> {
            for (long id : blockIds) {
                try {
                    blocks.delete(id);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "could not delete superseded block {0}: {1}", id, e.getMessage());
                }
            }
        });
    }
}
