package io.tarn.server.gc;

import io.tarn.api.GarbageBlock;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks the GC calls of a {@link MetaService} (local or remote, the same code) a page at a time, so
 * neither side ever holds more than one page of metadata; only what the caller keeps grows.
 */
public final class LedgerPages {
    static final int PAGE = 1000;

    private LedgerPages() {}

    /** Every garbage record stamped before {@code beforeNs}, oldest first, a page at a time. */
    public static void forEachGarbagePage(MetaService meta, String volume, long beforeNs, Consumer<List<GarbageBlock>> action) {
        GarbageBlock after = null;
        while (true) {
            List<GarbageBlock> page = meta.garbage(volume, beforeNs, after, PAGE);
            if (page.isEmpty()) return;
            action.accept(page);
            after = page.getLast();
        }
    }

    public static void forEachGarbage(MetaService meta, String volume, Consumer<GarbageBlock> action) {
        forEachGarbagePage(meta, volume, Long.MAX_VALUE, page -> page.forEach(action));
    }

    /** Every live block map entry, in (ino, index) order. */
    public static void forEachLiveBlock(MetaService meta, String volume, Consumer<LiveBlock> action) {
        LiveBlock after = null;
        while (true) {
            List<LiveBlock> page = meta.liveBlocks(volume, after, PAGE);
            if (page.isEmpty()) return;
            page.forEach(action);
            after = page.getLast();
        }
    }

    /** The ids the live map and the garbage records reference, sorted (8 bytes per reference). */
    public static long[] referenced(MetaService meta, String volume) {
        Ids ids = new Ids();
        forEachLiveBlock(meta, volume, b -> ids.add(b.block().blockId()));
        forEachGarbage(meta, volume, g -> ids.add(g.blockId()));
        return ids.sorted();
    }

    /** A growable array of ids. */
    public static final class Ids {
        private long[] a = new long[1024];
        private int n;

        public void add(long id) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = id;
        }

        public int size() {
            return n;
        }

        public long[] sorted() {
            long[] s = Arrays.copyOf(a, n);
            Arrays.sort(s);
            return s;
        }
    }
}
