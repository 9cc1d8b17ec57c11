package io.tarn.meta;

import io.tarn.api.Change;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns the keys one mutation wrote into the {@link Change}s the feed tells other clients: inode keys
 * into ATTR, block keys into DATA (which covers ATTR of the same inode), dentry keys into ENTRY,
 * xattr keys into XATTR. Other spaces (usage, opens, counters) are invisible to clients.
 */
final class ChangedKeys {
    private ChangedKeys() {}

    static Set<Change> of(StagedWrites staged, long vol) {
        byte[] prefix = Keys.volumeData(vol);
        int at = prefix.length;
        Set<Change> out = new LinkedHashSet<>();
        Set<Long> data = new java.util.HashSet<>();
        staged.forEach((k, v) -> {
            if (k.length < at + 9 || !java.util.Arrays.equals(k, 0, at, prefix, 0, at)) return;
            long ino = Keys.longAt(k, at + 1);
            switch (k[at]) {
                case Keys.INODE -> out.add(Change.attr(ino));
                case Keys.BLOCK -> {
                    if (data.add(ino)) out.add(Change.data(ino));
                }
                case Keys.DENTRY -> out.add(Change.entry(ino, Keys.tail(k, at + 9)));
                case Keys.XATTR -> out.add(Change.xattr(ino));
                default -> { }
            }
        });
        if (!data.isEmpty()) out.removeIf(c -> c.kind() == Change.ATTR && data.contains(c.ino()));
        return out;
    }
}
