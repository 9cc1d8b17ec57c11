package io.tarn.api.kv;

import java.util.function.Function;

/**
 * The transactional ordered key-value store a metadata engine implements; all POSIX logic sits above
 * it, written once. Keys and values are byte arrays; keys order as unsigned bytes (memcmp). Thread-safe.
 *
 * <p>Engine failures surface as {@link io.tarn.api.FsException} with EIO; an exception thrown by the
 * work itself aborts the transaction (nothing is written) and propagates unchanged. Work must not
 * start another transaction on the same store.
 */
public interface KvStore extends AutoCloseable {

    /** Runs {@code work} against one consistent snapshot that contains only durable data. */
    <T> T read(Function<KvReader, T> work);

    /**
     * Runs {@code work} as one serializable transaction and returns its result once the writes are
     * durable (log synced). The work may run more than once (retry on conflict), so it must have no
     * effect other than through the writer; it sees its own writes.
     */
    <T> T write(Function<KvWriter, T> work);

    @Override
    void close();
}
