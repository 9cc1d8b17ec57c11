package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One open directory. Offsets are positions: 1 after ".", 2 after "..", 2+k after the k-th name. The
 * cursor remembers the name at each recently issued offset, and the metadata server lists "after a
 * name", so resuming is stable however the directory changes meanwhile; an offset too old to remember
 * is found again by counting from the start, a page at a time. Nothing holds the whole directory.
 * The items of the last answer are kept: the kernel takes only what fits its buffer and asks again from
 * there, and is answered from them, unless a pushed change arrived meanwhile (the stamp moved).
 */
final class DirCursor {
    private static final int REMEMBER = 4096;

    /** Reads one page of names after {@code after} (null: from the start). */
    interface Pager {
        DirPage page(String after, int limit, boolean plus);
    }

    final long ino;
    final Caller caller;
    private final Map<Long, String> names = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > REMEMBER;
        }
    };

    /** The names of the last answer (no "." or ".."), whether the directory ended after them, and when they were read. */
    private List<Vfs.DirItem> recent = List.of();
    private boolean recentPlus, recentEnd;
    private long recentStamp;

    DirCursor(long ino, Caller caller) {
        this.ino = ino;
        this.caller = caller;
    }

    synchronized List<Vfs.DirItem> read(long offset, int max, boolean plus, int pageSize, java.util.function.LongSupplier stamp,
                                        Pager pager, Supplier<Attr> self, Supplier<Attr> parent) {
        long now = stamp.getAsLong();
        if (offset < 0) throw FsException.of(Errno.EINVAL, "bad directory offset %d", offset);
        List<Vfs.DirItem> out = new ArrayList<>();
        if (max <= 0) return out;
        if (offset == 0) {
            Attr a = self.get();
            out.add(new Vfs.DirItem(".", a.ino(), Attr.S_IFDIR, plus ? a : null, 1));
        }
        if (offset <= 1 && out.size() < max) {
            Attr p = parent.get();
            out.add(new Vfs.DirItem("..", p.ino(), Attr.S_IFDIR, plus ? p : null, 2));
        }
        if (out.size() >= max) return out;
        long position = Math.max(offset, 2);
        String after = position == 2 ? null : names.get(position);
        if (position > 2 && after == null) after = recount(position - 2, pageSize, pager);
        if (position > 2 && after == null) return out; // fewer names than the offset: at the end
        int first = out.size();
        boolean end = false;
        if (!recent.isEmpty() && recentPlus == plus && recentStamp == now) {
            long base = recent.getFirst().nextOffset() - 1; // the position before the first kept item
            int from = (int) Math.min(Integer.MAX_VALUE, position - base);
            if (position >= base && from <= recent.size()) {
                for (int i = from; i < recent.size() && out.size() < max; i++) out.add(recent.get(i));
                position = base + from + (out.size() - first);
                if (out.size() > first) after = out.getLast().name();
                end = recentEnd && out.size() - first == recent.size() - from;
            }
        }
        while (!end && out.size() < max) {
            DirPage page = pager.page(after, Math.min(pageSize, max - out.size()), plus);
            for (DirEntry e : page.entries()) {
                position++;
                names.put(position, e.name());
                out.add(new Vfs.DirItem(e.name(), e.ino(), e.type(), e.attr(), position));
                after = e.name();
            }
            if (!page.more() || page.entries().isEmpty()) {
                end = true;
                break;
            }
        }
        recent = List.copyOf(out.subList(first, out.size()));
        recentPlus = plus;
        recentEnd = end;
        recentStamp = now;
        return out;
    }

    /** The name at position {@code k} (1-based) counting from the start, or null if there are fewer. */
    private static String recount(long k, int pageSize, Pager pager) {
        String after = null;
        long seen = 0;
        while (seen < k) {
            DirPage page = pager.page(after, (int) Math.min(pageSize, k - seen), false);
            if (page.entries().isEmpty()) return null;
            seen += page.entries().size();
            after = page.entries().getLast().name();
            if (!page.more() && seen < k) return null;
        }
        return after;
    }
}
