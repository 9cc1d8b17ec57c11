package io.tarn.meta;

import io.tarn.api.VolumeUsage;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * What garbage collection and fsck ask the metadata (ADR 0080): which blocks left the live volume
 * before an instant no view can reach any more, which block ids anything references, and what a live
 * client may still commit. Deleting objects is the caller's (tarn-server knows object stores; this
 * module does not).
 */
public final class GarbageLedger {
    private static final int PAGE = 10_000;

    /** A block that left the live map at {@code timeNs} (replaced, truncated away, or of a deleted file). */
    public record Garbage(long timeNs, long blockId, long ino, long index, int storedLength) {}

    /** What GC needs to know about a volume's clients: the high-water mark of ids and the oldest live session. */
    public record Clients(long reservedBelow, long oldestSessionOpenedNs) {}

    private final KvStore kv;
    private final TimeTravel history;
    private final LongSupplier clock;
    private final long sessionTimeoutNs;

    GarbageLedger(KvStore kv, TimeTravel history, LongSupplier clock, long sessionTimeoutNs) {
        this.kv = kv;
        this.history = history;
        this.clock = clock;
        this.sessionTimeoutNs = sessionTimeoutNs;
    }

    private VolumeRecord volume(String name) {
        return kv.read(r -> Volumes.byName(r, name));
    }

    /**
     * Garbage older than this instant is reachable from no instant a view can show, now or later:
     * {@code now - retention} (now when history is off, never when it is kept forever), and no later
     * than the instant of any view open on this server.
     */
    public long horizon(String volume) {
        VolumeRecord v = volume(volume);
        long now = clock.getAsLong();
        long h = v.retentionSeconds() < 0 ? Long.MIN_VALUE
                : v.retentionSeconds() == 0 ? now : now - v.retentionSeconds() * 1_000_000_000L;
        return Math.min(h, history.oldestOpenView(v.id()));
    }

    /** Up to {@code limit} garbage records of the volume with time before {@code beforeNs}, oldest first. */
    public List<Garbage> expired(String volume, long beforeNs, int limit) {
        VolumeRecord v = volume(volume);
        if (beforeNs <= 0) return List.of();
        return kv.read(r -> decode(r.scan(Keys.inVolume(v.id(), Keys.GARBAGE), Keys.garbage(v.id(), beforeNs, 0), limit), v.id()));
    }

    /** Every garbage record of the volume, oldest first (fsck, usage). */
    public void forEachGarbage(String volume, java.util.function.Consumer<Garbage> action) {
        VolumeRecord v = volume(volume);
        byte[] prefix = Keys.inVolume(v.id(), Keys.GARBAGE);
        scanAll(prefix, e -> action.accept(decode(List.of(e), v.id()).getFirst()));
    }

    /** Removes the records once their objects are deleted. */
    public void forget(String volume, List<Garbage> done) {
        VolumeRecord v = volume(volume);
        kv.write(w -> {
            for (Garbage g : done) w.delete(Keys.garbage(v.id(), g.timeNs(), g.blockId()));
            return null;
        });
    }

    /** Every block id the live volume references (block maps of all inodes, open orphans included). */
    public void forEachLiveBlock(String volume, LiveBlockConsumer action) {
        VolumeRecord v = volume(volume);
        byte[] prefix = Keys.inVolume(v.id(), Keys.BLOCK);
        scanAll(prefix, e -> {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            long ino = Keys.longAt(e.key(), prefix.length), index = Keys.longAt(e.key(), prefix.length + 8);
            long id = b.getLong();
            int length = b.getInt(), stored = b.getInt(), crc = b.getInt();
            action.accept(ino, index, id, length, stored, crc);
        });
    }

    /** One block map entry. */
    @FunctionalInterface
    public interface LiveBlockConsumer {
        void accept(long ino, long index, long blockId, int length, int storedLength, int checksum);
    }

    /** Every block id referenced by the live volume or by its garbage records (not yet collected). */
    public void forEachReferenced(String volume, LongConsumer action) {
        forEachLiveBlock(volume, (ino, index, id, length, stored, crc) -> action.accept(id));
        forEachGarbage(volume, g -> action.accept(g.blockId()));
    }

    /** Ids at or above {@code reservedBelow} were never handed out; the oldest live session (-1: none). */
    public Clients clients(String volume) {
        VolumeRecord v = volume(volume);
        long now = clock.getAsLong();
        return kv.read(r -> {
            long hwm = Keys.toLong(r.get(Keys.counter(v.id(), "block")));
            long oldest = -1;
            for (Sessions.Entry s : Sessions.all(r)) {
                if (s.record().volume() != v.id()) continue;
                // An expired session that nobody swept yet is still counted: it may come back until it is ended.
                if (oldest < 0 || s.record().openedNs() < oldest) oldest = s.record().openedNs();
            }
            return new Clients(Math.max(1, hwm), oldest);
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

    long sessionTimeoutNs() {
        return sessionTimeoutNs;
    }

    private void scanAll(byte[] prefix, java.util.function.Consumer<KvEntry> action) {
        byte[] end = Keys.end(prefix);
        byte[] from = prefix;
        while (true) {
            byte[] f = from;
            List<KvEntry> page = kv.read(r -> r.scan(f, end, PAGE));
            page.forEach(action);
            if (page.size() < PAGE) return;
            from = Keys.after(page.getLast().key());
        }
    }

    private static List<Garbage> decode(List<KvEntry> entries, long vol) {
        int off = Keys.inVolume(vol, Keys.GARBAGE).length;
        List<Garbage> out = new ArrayList<>(entries.size());
        for (KvEntry e : entries) {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            long ino = b.getLong(), index = b.getLong();
            int stored = b.getInt();
            out.add(new Garbage(Keys.longAt(e.key(), off), Keys.longAt(e.key(), off + 8), ino, index, stored));
        }
        return out;
    }
}
