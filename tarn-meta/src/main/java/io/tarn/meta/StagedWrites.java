package io.tarn.meta;

import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Writes buffered over a base reader, visible to later reads through this object, and only handed on
 * when {@link #applyTo} is called. The metadata engine uses it to drop a failed mutation's writes yet
 * still record the failure (for request-id de-duplication) in the same transaction.
 */
final class StagedWrites implements KvWriter {
    private static final byte[] TOMBSTONE = new byte[0];
    private final KvReader base;
    private final NavigableMap<byte[], byte[]> pending;

    StagedWrites(KvReader base) {
        this(base, new TreeMap<>(Arrays::compareUnsigned));
    }

    /** Over {@code pending} kept by the caller (a time-travel view keeps its replayed writes between reads). */
    StagedWrites(KvReader base, NavigableMap<byte[], byte[]> pending) {
        this.base = base;
        this.pending = pending;
    }

    @Override
    public byte[] get(byte[] key) {
        byte[] v = pending.get(key);
        if (v == null) return base.get(key);
        return v == TOMBSTONE ? null : v.clone();
    }

    @Override
    public List<KvEntry> scan(byte[] from, byte[] to, int limit) {
        if (limit <= 0) return List.of();
        NavigableMap<byte[], byte[]> mine = to == null ? pending.tailMap(from, true) : pending.subMap(from, true, to, false);
        if (mine.isEmpty()) return base.scan(from, to, limit);
        // Each pending delete can hide at most one base entry: asking for that many more is enough.
        int ask = (int) Math.min(Integer.MAX_VALUE, (long) limit + mine.size());
        List<KvEntry> fromBase = base.scan(from, to, ask);
        boolean exhausted = fromBase.size() < ask;
        byte[] last = fromBase.isEmpty() ? null : fromBase.getLast().key();
        TreeMap<byte[], byte[]> merged = new TreeMap<>(Arrays::compareUnsigned);
        for (KvEntry e : fromBase) merged.put(e.key(), e.value());
        for (Map.Entry<byte[], byte[]> e : mine.entrySet()) {
            if (!exhausted && Arrays.compareUnsigned(e.getKey(), last) > 0) break;
            if (e.getValue() == TOMBSTONE) merged.remove(e.getKey());
            else merged.put(e.getKey(), e.getValue().clone());
        }
        List<KvEntry> out = new ArrayList<>(Math.min(limit, merged.size()));
        for (Map.Entry<byte[], byte[]> e : merged.entrySet()) {
            if (out.size() == limit) break;
            out.add(new KvEntry(e.getKey(), e.getValue()));
        }
        return out;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        pending.put(key.clone(), value.clone());
    }

    @Override
    public void delete(byte[] key) {
        pending.put(key.clone(), TOMBSTONE);
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Hands every buffered write, in key order, to {@code target}. */
    public void applyTo(KvWriter target) {
        for (Map.Entry<byte[], byte[]> e : pending.entrySet()) {
            if (e.getValue() == TOMBSTONE) target.delete(e.getKey());
            else target.put(e.getKey(), e.getValue());
        }
    }

    /** The buffered writes in key order; a null value is a delete. */
    public void forEach(java.util.function.BiConsumer<byte[], byte[]> action) {
        pending.forEach((k, v) -> action.accept(k, v == TOMBSTONE ? null : v));
    }
}
