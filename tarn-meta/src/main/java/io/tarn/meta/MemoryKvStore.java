package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvStore;
import io.tarn.api.kv.KvWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * A {@link KvStore} in memory, for tests: nothing survives {@link #close}. Write transactions run
 * one at a time (trivially serializable); reads share a lock that a commit takes exclusively while it
 * applies, so a read sees a consistent snapshot. Work functions must not nest transactions.
 */
public final class MemoryKvStore implements KvStore {
    private final ConcurrentSkipListMap<byte[], byte[]> data = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private final ReentrantReadWriteLock snapshot = new ReentrantReadWriteLock();
    private final ReentrantLock writer = new ReentrantLock();
    private volatile boolean closed;

    @Override
    public <T> T read(Function<KvReader, T> work) {
        snapshot.readLock().lock();
        try {
            checkOpen();
            return work.apply(committed());
        } finally {
            snapshot.readLock().unlock();
        }
    }

    @Override
    public <T> T write(Function<KvWriter, T> work) {
        writer.lock();
        try {
            checkOpen();
            StagedWrites tx = new StagedWrites(committed());
            T result = work.apply(tx);
            snapshot.writeLock().lock();
            try {
                tx.forEach((k, v) -> {
                    if (v == null) data.remove(k);
                    else data.put(k, v);
                });
            } finally {
                snapshot.writeLock().unlock();
            }
            return result;
        } finally {
            writer.unlock();
        }
    }

    /** A consistent copy of everything committed, taken between write transactions (a checkpoint). */
    public MemoryKvStore copy() {
        writer.lock();
        try {
            checkOpen();
            MemoryKvStore c = new MemoryKvStore();
            data.forEach((k, v) -> c.data.put(k, v));
            return c;
        } finally {
            writer.unlock();
        }
    }

    private KvReader committed() {
        return new KvReader() {
            @Override
            public byte[] get(byte[] key) {
                byte[] v = data.get(key);
                return v == null ? null : v.clone();
            }

            @Override
            public List<KvEntry> scan(byte[] from, byte[] to, int limit) {
                NavigableMap<byte[], byte[]> range = to == null ? data.tailMap(from, true) : data.subMap(from, true, to, false);
                List<KvEntry> out = new ArrayList<>();
                for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
                    if (out.size() >= limit) break;
                    out.add(new KvEntry(e.getKey().clone(), e.getValue().clone()));
                }
                return out;
            }
        };
    }

    private void checkOpen() {
        if (closed) throw FsException.of(Errno.EIO, "memory kv store is closed");
    }

    @Override
    public void close() {
        closed = true;
    }
}
