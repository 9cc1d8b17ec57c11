package io.tarn.api.kv;

/**
 * Whole-store snapshots an engine can take cheaply (RocksDB: hard links), named by the caller. The
 * metadata history starts time-travel views from them (ADR 0080). Thread-safe.
 */
public interface KvCheckpoints {

    /** Writes a consistent copy of the store as it is now under {@code name}; EEXIST if taken. */
    void take(String name);

    /** Opens checkpoint {@code name} for reading; writes to it fail. The caller closes it. ENOENT if absent. */
    KvStore open(String name);

    /** Removes checkpoint {@code name}; an absent one is fine. */
    void drop(String name);
}
