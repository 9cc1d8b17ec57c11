package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvCheckpoints;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvStore;
import io.tarn.api.kv.KvWriter;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Checkpoints of a {@link MemoryKvStore}: copies in memory, for tests and in-process benchmarks. */
public final class MemoryCheckpoints implements KvCheckpoints {
    private final MemoryKvStore live;
    private final ConcurrentHashMap<String, MemoryKvStore> taken = new ConcurrentHashMap<>();

    public MemoryCheckpoints(MemoryKvStore live) {
        this.live = live;
    }

    @Override
    public void take(String name) {
        if (taken.putIfAbsent(name, live.copy()) != null) throw FsException.of(Errno.EEXIST, "checkpoint %s exists", name);
    }

    @Override
    public KvStore open(String name) {
        MemoryKvStore c = taken.get(name);
        if (c == null) throw FsException.of(Errno.ENOENT, "no checkpoint %s", name);
        return new KvStore() {
            @Override
            public <T> T read(Function<KvReader, T> work) {
                return c.read(work);
            }

            @Override
            public <T> T write(Function<KvWriter, T> work) {
                throw FsException.of(Errno.EROFS, "checkpoint %s is read-only", name);
            }

            @Override
            public void close() {
                // the copy stays until dropped
            }
        };
    }

    @Override
    public void drop(String name) {
        taken.remove(name);
    }

    /** How many checkpoints exist (for tests). */
    public int size() {
        return taken.size();
    }
}
