package io.tarn.server.gc;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The objects under a volume's block prefix, kept compactly (id, size, time: 24 bytes an object)
 * because GC must list the store before it reads the references and so holds the listing meanwhile.
 * Keys that are not well-formed block keys are kept whole: nothing of Tarn's should be there.
 */
public final class StoreListing {
    private long[] ids = new long[1024], sizes = new long[1024], modified = new long[1024];
    private int n;
    private final List<ObjectInfo> strangers = new ArrayList<>();

    public static StoreListing of(ObjectStore store, BlockObjects keys, GcProgress progress) {
        StoreListing l = new StoreListing();
        try (Stream<ObjectInfo> s = store.list(keys.prefix(), null)) {
            for (Iterator<ObjectInfo> it = s.iterator(); it.hasNext(); ) {
                ObjectInfo o = it.next();
                long id = keys.idOf(o.key());
                if (id > 0) l.add(id, o.size(), o.lastModifiedMillis());
                else l.strangers.add(o);
                progress.advance(1);
            }
        }
        return l;
    }

    private void add(long id, long size, long modifiedMillis) {
        if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
            sizes = Arrays.copyOf(sizes, n * 2);
            modified = Arrays.copyOf(modified, n * 2);
        }
        ids[n] = id;
        sizes[n] = size;
        modified[n++] = modifiedMillis;
    }

    /** Block objects listed. */
    public int size() {
        return n;
    }

    public long id(int i) {
        return ids[i];
    }

    public long size(int i) {
        return sizes[i];
    }

    public long modifiedMillis(int i) {
        return modified[i];
    }

    /** Objects under the prefix whose key names no block id. */
    public List<ObjectInfo> strangers() {
        return strangers;
    }

    /** The listed ids, sorted, to look references up in. */
    public long[] sortedIds() {
        long[] s = Arrays.copyOf(ids, n);
        Arrays.sort(s);
        return s;
    }
}
