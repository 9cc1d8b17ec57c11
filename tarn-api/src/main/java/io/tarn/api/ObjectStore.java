package io.tarn.api;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A flat key space of immutable byte objects (a bucket, a container, a local directory).
 * Implementations are thread-safe, blocking and idempotent; failures are
 * {@link ObjectStoreException}s with a retry verdict.
 */
public interface ObjectStore extends AutoCloseable {
    /**
     * Bytes {@code [offset, offset+length)} of the object, fewer if the object ends first;
     * {@code length < 0} reads to the end. Empty if the key does not exist.
     */
    Optional<ByteBuffer> get(String key, long offset, int length);

    /** Stores the whole object atomically: readers see the old object, no object, or all of it. */
    void put(String key, ByteBuffer data);

    /** Removes the object; an absent key is not an error. */
    void delete(String key);

    /** Objects whose key starts with {@code prefix}, in key order, after {@code startAfter} (null for all). Close the stream. */
    Stream<ObjectInfo> list(String prefix, String startAfter);

    /** Size and time of one object, empty if absent. */
    default Optional<ObjectInfo> head(String key) {
        try (Stream<ObjectInfo> s = list(key, null)) {
            return s.filter(o -> o.key().equals(key)).findFirst();
        }
    }

    /** Where this store keeps its bytes, for messages and logs: never a secret. */
    String describe();

    @Override
    void close();
}
