package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvStore;
import io.tarn.api.kv.KvWriter;

import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The read-only store behind a time-travel view: a checkpoint (or an empty store for a view replayed
 * from a volume's creation) with the journal records replayed on top, held in memory. Reads merge the
 * two; the base is never written, so opening a view copies nothing but the replayed records.
 */
final class ViewStore implements KvStore {
    private final KvStore base;
    private final NavigableMap<byte[], byte[]> replayed = new TreeMap<>(Arrays::compareUnsigned);
    private int writes;

    ViewStore(KvStore base) {
        this.base = base;
    }

    /** Applies writes while the view is built, before anyone reads it. */
    void build(Consumer<KvWriter> work) {
        base.read(r -> {
            work.accept(counting(new StagedWrites(r, replayed)));
            return null;
        });
    }

    private KvWriter counting(StagedWrites w) {
        return new KvWriter() {
            @Override
            public void put(byte[] key, byte[] value) {
                writes++;
                w.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                writes++;
                w.delete(key);
            }

            @Override
            public byte[] get(byte[] key) {
                return w.get(key);
            }

            @Override
            public List<KvEntry> scan(byte[] from, byte[] to, int limit) {
                return w.scan(from, to, limit);
            }
        };
    }

    /** Keys written over the base while building (replayed puts and deletes). */
    int replayedWrites() {
        return writes;
    }

    @Override
    public <T> T read(Function<KvReader, T> work) {
        return base.read(r -> {
            StagedWrites merged = new StagedWrites(r, replayed);
            return work.apply(new KvReader() {
                @Override
                public byte[] get(byte[] key) {
                    return merged.get(key);
                }

                @Override
                public List<KvEntry> scan(byte[] from, byte[] to, int limit) {
                    return merged.scan(from, to, limit);
                }
            });
        });
    }

    @Override
    public <T> T write(Function<KvWriter, T> work) {
        throw FsException.of(Errno.EROFS, "a time-travel view is read-only");
    }

    @Override
    public void close() {
        base.close();
    }
}
