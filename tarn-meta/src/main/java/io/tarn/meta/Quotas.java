package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.StatFs;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvWriter;

import java.nio.ByteBuffer;

/**
 * Volume quotas and the usage they limit (ADR 0133): limits under {@code v vol q 0} (bytes, inodes; 0 is
 * none), checked against the summed usage stripes by the transaction that would grow the usage.
 */
final class Quotas {
    /** The counter that says the volume's usage stripes count block lengths (absent: file sizes, before ADR 0133). */
    static final String USAGE_FORMAT = "usage-format";
    static final long BLOCK_LENGTHS = 2;

    private Quotas() {}

    /** {bytes, inodes} limits of the volume; 0 is no limit. */
    static long[] limits(KvReader r, long vol) {
        byte[] v = r.get(Keys.quota(vol, 0));
        if (v == null) return new long[]{0, 0};
        ByteBuffer b = ByteBuffer.wrap(v);
        return new long[]{b.getLong(), b.getLong()};
    }

    /** Refuses growth by {@code bytes} and {@code inodes} (either may be <= 0) that would pass a limit. */
    static void check(VolumeTx t, long bytes, long inodes) {
        long[] q = limits(t.kv, t.vol);
        if (q[0] == 0 && q[1] == 0) return;
        long[] used = t.usage();
        if (bytes > 0 && q[0] > 0 && used[0] + bytes > q[0])
            throw FsException.of(Errno.EDQUOT, "volume %s: %d more bytes would pass its quota (%d of %d used)",
                    t.volume.name(), bytes, used[0], q[0]);
        if (inodes > 0 && q[1] > 0 && used[1] + inodes > q[1])
            throw FsException.of(Errno.EDQUOT, "volume %s: its quota of %d inodes is used up", t.volume.name(), q[1]);
    }

    static StatFs statFs(VolumeTx t) {
        long[] u = t.usage(), q = limits(t.kv, t.vol);
        return new StatFs(u[0], u[1], q[0], q[1]);
    }

    /**
     * Sets the limits of volume {@code name}: a negative value leaves that limit as it is, 0 removes it.
     * A limit below the current usage is allowed: growth is refused until usage falls under it.
     */
    static StatFs set(KvWriter w, String name, long bytes, long inodes, long now) {
        VolumeRecord v = Volumes.byName(w, name);
        long[] q = limits(w, v.id());
        long b = bytes < 0 ? q[0] : bytes, i = inodes < 0 ? q[1] : inodes;
        if (b == 0 && i == 0) w.delete(Keys.quota(v.id(), 0));
        else w.put(Keys.quota(v.id(), 0), ByteBuffer.allocate(16).putLong(b).putLong(i).array());
        return statFs(new VolumeTx(w, v, 0, io.tarn.api.Caller.ROOT, now));
    }

    static StatFs of(KvReader r, String name, long now) {
        VolumeRecord v = Volumes.byName(r, name);
        return statFs(new VolumeTx(r, v, 0, io.tarn.api.Caller.ROOT, now));
    }

    /** Marks a new volume's usage as counting block lengths. */
    static void markCurrent(KvWriter w, long vol) {
        w.put(Keys.counter(vol, USAGE_FORMAT), Keys.ofLong(BLOCK_LENGTHS));
    }

    /**
     * Volumes made before ADR 0133 counted file sizes (holes included): their byte usage is counted
     * again from the block maps, once, in one transaction. Inode counts were right and are kept.
     * Returns whether it had to.
     */
    static boolean recountIfOld(KvWriter w, long vol) {
        if (Keys.toLong(w.get(Keys.counter(vol, USAGE_FORMAT))) == BLOCK_LENGTHS) return false;
        long bytes = 0;
        byte[] prefix = Keys.inVolume(vol, Keys.BLOCK);
        byte[] from = prefix, end = Keys.end(prefix);
        while (true) {
            var page = w.scan(from, end, 10_000);
            for (KvEntry e : page) bytes += ByteBuffer.wrap(e.value()).getInt(8);
            if (page.size() < 10_000) break;
            from = Keys.after(page.getLast().key());
        }
        for (int s = 0; s < VolumeTx.USAGE_STRIPES; s++) {
            byte[] k = Keys.usage(vol, s);
            byte[] v = w.get(k);
            long inodes = v == null ? 0 : ByteBuffer.wrap(v).getLong(8);
            if (v != null || s == 0)
                w.put(k, ByteBuffer.allocate(16).putLong(s == 0 ? bytes : 0).putLong(inodes).array());
        }
        markCurrent(w, vol);
        return true;
    }
}
