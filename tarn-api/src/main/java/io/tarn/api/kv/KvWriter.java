package io.tarn.api.kv;

/** Reads and buffered writes of one write transaction; reads see the transaction's own writes. */
public interface KvWriter extends KvReader {

    void put(byte[] key, byte[] value);

    /** Removes {@code key}; an absent key is fine. */
    void delete(byte[] key);
}
