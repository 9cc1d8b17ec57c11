package io.tarn.client.file;

import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.MetaService;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The committed block map of one open file as last read from the metadata server, loaded in windows of
 * block indexes as reads need them (a huge file's map is never read whole). Not thread-safe: the
 * owning {@link OpenFile} guards it.
 */
final class BlockMapCache {
    static final int WINDOW = 1024;

    private final MetaService meta;
    private final long ino;
    private final Map<Long, BlockRef> refs = new HashMap<>();
    private final Set<Long> loaded = new HashSet<>();

    BlockMapCache(MetaService meta, long ino) {
        this.meta = meta;
        this.ino = ino;
    }

    /** The committed block at {@code index}, or null for a hole. */
    BlockRef get(Ctx ctx, long index) {
        long w = index / WINDOW;
        if (loaded.add(w)) {
            try {
                for (BlockRef r : meta.blocks(ctx, ino, w * WINDOW, WINDOW)) refs.put(r.index(), r);
            } catch (RuntimeException e) {
                loaded.remove(w);
                throw e;
            }
        }
        return refs.get(index);
    }

    /** Whether {@code index}'s window is loaded, so {@link #getIfLoaded} answers for it (null = a hole). */
    boolean isLoaded(long index) {
        return loaded.contains(index / WINDOW);
    }

    /** The committed block at {@code index} if its window is loaded, else null (no metadata call). */
    BlockRef getIfLoaded(long index) {
        return loaded.contains(index / WINDOW) ? refs.get(index) : null;
    }

    /** Records a block this client has just committed. */
    void committed(BlockRef r) {
        refs.put(r.index(), r);
    }

    /** Forgets everything (another writer, or a truncate, may have changed the map). */
    void clear() {
        refs.clear();
        loaded.clear();
    }
}
