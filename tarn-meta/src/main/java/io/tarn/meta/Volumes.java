package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeSpec;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Volume records: creation with an empty root directory, listing, lookup by name, deletion. */
final class Volumes {
    static final int ROOT_MODE = Attr.S_IFDIR | 0755;
    static final long FIRST_INO = 2;

    private Volumes() {}

    static VolumeRecord create(KvWriter w, VolumeSpec spec, long now) {
        byte[] nameKey = Keys.volumeName(spec.name());
        if (w.get(nameKey) != null) throw FsException.of(Errno.EEXIST, "volume %s exists", spec.name());
        byte[] counter = Keys.global("volume");
        long id = Math.max(1, Keys.toLong(w.get(counter)));
        w.put(counter, Keys.ofLong(id + 1));
        VolumeRecord v = new VolumeRecord(id, spec.name(), UUID.randomUUID().toString(), spec.storeUri(),
                spec.blockSize(), spec.compression(), spec.retentionSeconds(), now, spec.encryption(), spec.proxy());
        w.put(nameKey, Keys.ofLong(id));
        w.put(Keys.volume(id), v.encode());
        VolumeTx t = new VolumeTx(w, v, 0, io.tarn.api.Caller.ROOT, now);
        t.addInode(VolumeRecord.ROOT_INO, rootInode(now));
        t.flushUsage();
        Quotas.markCurrent(w, id);
        w.put(Keys.counter(id, "ino"), Keys.ofLong(FIRST_INO));
        return v;
    }

    /** A new volume's root directory, exactly as created (a time-travel view replays from it). */
    static InodeRecord rootInode(long createdNs) {
        return new InodeRecord(ROOT_MODE, 0, 0, 2, 0, 0, createdNs, createdNs, createdNs, 0, null);
    }

    static VolumeRecord byName(KvReader r, String name) {
        if (name == null) throw FsException.of(Errno.EINVAL, "no volume name given");
        byte[] id = r.get(Keys.volumeName(name));
        VolumeRecord v = id == null ? null : byId(r, Keys.toLong(id));
        if (v == null) throw FsException.of(Errno.ENOENT, "no volume %s", name);
        return v;
    }

    static VolumeRecord byId(KvReader r, long id) {
        byte[] v = r.get(Keys.volume(id));
        return v == null ? null : VolumeRecord.decode(v);
    }

    static List<VolumeRecord> list(KvReader r) {
        byte[] prefix = {Keys.VOLUME};
        List<VolumeRecord> out = new ArrayList<>();
        for (KvEntry e : r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE)) out.add(VolumeRecord.decode(e.value()));
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /**
     * Makes a volume disappear in one transaction (name, record, sessions) and marks its data for
     * {@link #purge}, which removes it in bounded transactions; returns the volume id.
     */
    static long retire(KvWriter w, String name) {
        VolumeRecord v = byName(w, name);
        for (Sessions.Entry s : Sessions.all(w)) if (s.record().volume() == v.id()) Sessions.forget(w, s.id());
        w.delete(Keys.volume(v.id()));
        w.delete(Keys.volumeName(name));
        w.put(Keys.retired(v.id()), Keys.ofLong(v.id()));
        return v.id();
    }

    /**
     * Changes a volume's retention. Turning history on starts it now: nothing before can be rebuilt
     * (the floor gets a second's margin for mutations still using the cached record).
     */
    static VolumeRecord setRetention(KvWriter w, String name, long retentionSeconds, long now) {
        if (retentionSeconds < -1)
            throw FsException.of(Errno.EINVAL, "retention must be -1 (forever), 0 (off) or a number of seconds");
        VolumeRecord v = byName(w, name);
        VolumeRecord n = v.withRetention(retentionSeconds);
        w.put(Keys.volume(v.id()), n.encode());
        if (v.retentionSeconds() == 0 && retentionSeconds != 0) w.put(Keys.historyFloor(v.id()), Keys.ofLong(now + 1_000_000_000L));
        return n;
    }

    /** Sets the volume's proxy group (ADR 0140); checked and normalized as at creation. */
    static VolumeRecord setProxy(KvWriter w, String name, String proxy) {
        String p = io.tarn.api.VolumeSpec.checkProxy(proxy);
        VolumeRecord v = byName(w, name);
        VolumeRecord n = v.withProxy(p);
        w.put(Keys.volume(v.id()), n.encode());
        return n;
    }

    /**
     * Appends a key generation (ADR 0092). Resending the generation already recorded is a no-op, so a
     * retried call cannot add it twice; any other generation than the next is refused.
     */
    static VolumeRecord addKey(KvWriter w, String name, VolumeEncryption.KeyGeneration key) {
        if (key == null) throw FsException.of(Errno.EINVAL, "no key generation given");
        VolumeRecord v = byName(w, name);
        VolumeEncryption e = v.encryption();
        if (!e.enabled()) throw FsException.of(Errno.EINVAL, "volume %s is not encrypted", name);
        if (key.generation() <= e.keys().size()) {
            if (e.keys().get(key.generation() - 1).equals(key)) return v;
            throw FsException.of(Errno.EEXIST, "volume %s already has key generation %d", name, key.generation());
        }
        if (key.generation() != e.keys().size() + 1)
            throw FsException.of(Errno.EINVAL, "the next key generation of volume %s is %d, not %d", name, e.keys().size() + 1, key.generation());
        VolumeRecord n = v.withEncryption(e.with(key));
        w.put(Keys.volume(v.id()), n.encode());
        return n;
    }

    /** Volumes retired but not yet purged (a purge cut short by a crash resumes from here). */
    static List<Long> retired(KvReader r) {
        byte[] prefix = Keys.retiredAll();
        return r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE).stream().map(e -> Keys.toLong(e.value())).toList();
    }

    /** Deletes up to {@code max} keys of a retired volume; when none are left, its mark too. Returns how many. */
    static int purge(KvWriter w, long vol, int max) {
        byte[] prefix = Keys.volumeData(vol);
        List<KvEntry> page = w.scan(prefix, Keys.end(prefix), max);
        for (KvEntry e : page) w.delete(e.key());
        if (page.size() < max) w.delete(Keys.retired(vol));
        return page.size();
    }

    static void deletePrefix(KvWriter w, byte[] prefix) {
        byte[] end = Keys.end(prefix), from = prefix;
        while (true) {
            List<KvEntry> page = w.scan(from, end, 1000);
            for (KvEntry e : page) w.delete(e.key());
            if (page.size() < 1000) return;
            from = Keys.after(page.getLast().key());
        }
    }
}
