package io.tarn.api.kv;

import java.util.List;

/** Reads inside one transaction or snapshot. Valid only while the work function runs. */
public interface KvReader {

    /** The value of {@code key}, or null if absent. */
    byte[] get(byte[] key);

    /**
     * Up to {@code limit} entries with {@code from <= key < to} in ascending unsigned byte order
     * ({@code to == null}: no upper bound). Page on by calling again from the last key plus a zero byte.
     */
    List<KvEntry> scan(byte[] from, byte[] to, int limit);
}
