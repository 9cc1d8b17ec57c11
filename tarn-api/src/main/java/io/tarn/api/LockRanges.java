package io.tarn.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The locks one owner holds on one inode, changed the way fcntl(F_SETLK) changes them: a new lock
 * replaces whatever the owner held in its range (upgrade, downgrade, or unlock of that part), splits
 * a lock it cuts in the middle, and merges with touching or overlapping locks of the same type. Used
 * by the metadata server's lock table and by clients keeping a copy of what they hold.
 */
public final class LockRanges {
    private LockRanges() {}

    /**
     * The owner's locks after applying {@code change} (type UNLCK removes the range) to {@code held},
     * which are sorted by start, disjoint, and merged as this method leaves them. Returns a new list.
     */
    public static List<LockSpec> apply(List<LockSpec> held, LockSpec change) {
        List<LockSpec> out = new ArrayList<>(held.size() + 2);
        long s = change.start(), e = change.end();
        for (LockSpec h : held) {
            if (!h.overlaps(s, e)) {
                out.add(h);
                continue;
            }
            if (h.start() < s) out.add(h.withRange(h.start(), s - 1));
            if (h.end() > e) out.add(h.withRange(e + 1, h.end()));
        }
        if (change.type() != LockSpec.UNLCK) out.add(change);
        out.sort((a, b) -> Long.compare(a.start(), b.start()));
        List<LockSpec> merged = new ArrayList<>(out.size());
        for (LockSpec l : out) {
            LockSpec last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.type() == l.type() && last.end() != LockSpec.EOF && last.end() + 1 >= l.start()) {
                // The newest request's pid wins: F_GETLK reports the process that locked last.
                int pid = l == change || last == change ? change.pid() : l.pid();
                merged.set(merged.size() - 1, new LockSpec(l.kind(), l.owner(), last.start(), Math.max(last.end(), l.end()), l.type(), pid));
            } else {
                merged.add(l);
            }
        }
        return merged;
    }
}
