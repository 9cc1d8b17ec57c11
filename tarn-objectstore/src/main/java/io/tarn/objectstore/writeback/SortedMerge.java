package io.tarn.objectstore.writeback;

import io.tarn.api.ObjectInfo;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Merges two listings that are each in key order into one, lazily; where both have a key, the first
 * listing's entry wins. Closing the result closes the second listing (a store's paged stream).
 */
final class SortedMerge implements Iterator<ObjectInfo> {
    private final Iterator<ObjectInfo> a, b;
    private ObjectInfo nextA, nextB;

    private SortedMerge(Iterator<ObjectInfo> a, Iterator<ObjectInfo> b) {
        this.a = a;
        this.b = b;
        nextA = a.hasNext() ? a.next() : null;
        nextB = b.hasNext() ? b.next() : null;
    }

    static Stream<ObjectInfo> of(Iterator<ObjectInfo> first, Stream<ObjectInfo> second) {
        Iterator<ObjectInfo> merged = new Iterator<>() {
            SortedMerge m;

            private SortedMerge m() {
                // Built on first use, so the store is asked for its first page only when the caller reads.
                if (m == null) m = new SortedMerge(first, second.iterator());
                return m;
            }

            public boolean hasNext() {
                return m().hasNext();
            }

            public ObjectInfo next() {
                return m().next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(merged, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(second::close);
    }

    @Override
    public boolean hasNext() {
        return nextA != null || nextB != null;
    }

    @Override
    public ObjectInfo next() {
        if (!hasNext()) throw new NoSuchElementException();
        ObjectInfo out;
        int c = nextA == null ? 1 : nextB == null ? -1 : nextA.key().compareTo(nextB.key());
        if (c <= 0) {
            out = nextA;
            nextA = a.hasNext() ? a.next() : null;
            if (c == 0) nextB = b.hasNext() ? b.next() : null;
        } else {
            out = nextB;
            nextB = b.hasNext() ? b.next() : null;
        }
        return out;
    }
}
