package io.tarn.meta;

import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeUsage;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What garbage collection and fsck ask the metadata (ADR 0080): which blocks left the live volume
 * before an instant no view can reach any more, which block ids anything references, and what a live
 * client may still commit, a page at a time. {@link LocalMetaService} serves it as the GC calls of
 * {@link MetaService}; deleting objects is the caller's (this module knows no object store).
 */
public final class GarbageLedger {
    private static final int PAGE = 10_000;

    private final KvStore kv;
    private final TimeTravel history;
    private final LongSupplier clock;

    GarbageLedger(KvStore kv, TimeTravel history, LongSupplier clock) {
        this.kv = kv;
        this.history = history;
        this.clock = clock;
    }

    private VolumeRecord volume(String name) {
        return kv.read(r -> Volumes.byName(r, name));
    }

    /**
     * Garbage older than this instant is reachable from no instant a view can show, now or later:
     * {@code now - retention} (now when history is off, never when it is kept forever), and no later
     * than the instant of any view open on this server or pinned to be resumed after a restart.
     */
    public long horizon(String volume) {
        VolumeRecord v = volume(volume);
        long now = clock.getAsLong();
        long h = v.retentionSeconds() < 0 ? Long.MIN_VALUE
                : v.retentionSeconds() == 0 ? now : now - v.retentionSeconds() * 1_000_000_000L;
        return Math.min(h, history.oldestOpenView(v.id()));
    }

    /** Up to {@code limit} garbage records stamped before {@code beforeNs}, oldest first, after {@code after} (null: from the first). */
    public List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        VolumeRecord v = volume(volume);
        if (beforeNs <= 0 || limit <= 0) return List.of();
        byte[] from = after == null ? Keys.inVolume(v.id(), Keys.GARBAGE) : Keys.after(Keys.garbage(v.id(), after.timeNs(), after.blockId()));
        byte[] to = Keys.garbage(v.id(), beforeNs, 0);
        if (java.util.Arrays.compareUnsigned(from, to) >= 0) return List.of();
        return kv.read(r -> decode(r.scan(from, to, Math.min(limit, MetaService.GC_PAGE_MAX)), v.id()));
    }

    /** Every garbage record of the volume, oldest first (usage, tests), a page at a time. */
    public void forEachGarbage(String volume, Consumer<GarbageBlock> action) {
        GarbageBlock after = null;
        while (true) {
            List<GarbageBlock> page = garbage(volume, Long.MAX_VALUE, after, PAGE);
            page.forEach(action);
            if (page.size() < PAGE) return;
            after = page.getLast();
        }
    }

    /** Removes the records once their objects are deleted. */
    public void forget(String volume, List<GarbageBlock> done) {
        VolumeRecord v = volume(volume);
        kv.write(w -> {
            for (GarbageBlock g : done) w.delete(Keys.garbage(v.id(), g.timeNs(), g.blockId()));
            return null;
        });
    }

    /** Up to {@code limit} live block map entries in (ino, index) order after {@code after} (null: from the first). */
    public List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        VolumeRecord v = volume(volume);
        if (limit <= 0) return List.of();
        byte[] prefix = Keys.inVolume(v.id(), Keys.BLOCK);
        byte[] from = after == null ? prefix : Keys.after(Keys.block(v.id(), after.ino(), after.block().index()));
        List<KvEntry> page = kv.read(r -> r.scan(from, Keys.end(prefix), Math.min(limit, MetaService.GC_PAGE_MAX)));
        List<LiveBlock> out = new ArrayList<>(page.size());
        for (KvEntry e : page) {
            long ino = Keys.longAt(e.key(), prefix.length), index = Keys.longAt(e.key(), prefix.length + 8);
            out.add(new LiveBlock(ino, VolumeTx.decodeBlock(index, e.value())));
        }
        return out;
    }

    /** Ids at or above {@code reservedBelow} were never handed out; the oldest live session (-1: none). */
    public GcClients clients(String volume) {
        VolumeRecord v = volume(volume);
        return kv.read(r -> {
            long hwm = Keys.toLong(r.get(Keys.counter(v.id(), "block")));
            long oldest = -1;
            for (Sessions.Entry s : Sessions.all(r)) {
                if (s.record().volume() != v.id()) continue;
                // An expired session that nobody swept yet is still counted: it may come back until it is ended.
                if (oldest < 0 || s.record().openedNs() < oldest) oldest = s.record().openedNs();
            }
            return new GcClients(Math.max(1, hwm), oldest);
        });
    }

    /** Live bytes and inodes, stored bytes of garbage records (held only for time travel), oldest instant of a view. */
    public VolumeUsage usage(String volume) {
        VolumeRecord v = volume(volume);
        long now = clock.getAsLong();
        long[] live = kv.read(r -> new VolumeTx(r, v, 0, io.tarn.api.Caller.ROOT, now).usage());
        long[] held = new long[2];
        forEachGarbage(volume, g -> {
            held[0] += g.storedLength();
            held[1]++;
        });
        return new VolumeUsage(live[0], live[1], held[0], held[1], history.oldestInstant(v, now));
    }

    private static List<GarbageBlock> decode(List<KvEntry> entries, long vol) {
        int off = Keys.inVolume(vol, Keys.GARBAGE).length;
        List<GarbageBlock> out = new ArrayList<>(entries.size());
        for (KvEntry e : entries) {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            long ino = b.getLong(), index = b.getLong();
            int stored = b.getInt();
            out.add(new GarbageBlock(Keys.longAt(e.key(), off), Keys.longAt(e.key(), off + 8), ino, index, stored));
        }
        return out;
    }
}
