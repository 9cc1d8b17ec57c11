package io.tarn.meta.rocksdb;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvCheckpoints;
import io.tarn.api.kv.KvStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Checkpoints of a {@link RocksDbKvStore} as sibling directories {@code <dir>/<name>}: RocksDB hard
 * links the table files (near free, and they share the disk with the live store until compaction
 * rewrites them), opened read-only by time-travel views.
 */
public final class RocksDbCheckpoints implements KvCheckpoints {
    private final RocksDbKvStore store;
    private final Path dir;

    public RocksDbCheckpoints(RocksDbKvStore store, Path dir) {
        this.store = store;
        this.dir = dir;
    }

    private Path path(String name) {
        if (name.isEmpty() || name.contains("/") || name.startsWith("."))
            throw FsException.of(Errno.EINVAL, "bad checkpoint name %s", name);
        return dir.resolve(name);
    }

    @Override
    public void take(String name) {
        Path target = path(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (Files.exists(target)) throw FsException.of(Errno.EEXIST, "checkpoint %s exists", name);
        store.checkpoint(target);
    }

    @Override
    public KvStore open(String name) {
        Path p = path(name);
        if (!Files.isDirectory(p)) throw FsException.of(Errno.ENOENT, "no checkpoint %s in %s", name, dir);
        return RocksDbKvStore.openReadOnly(p);
    }

    @Override
    public void drop(String name) {
        Path p = path(name);
        if (!Files.exists(p)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot remove checkpoint " + p + ": " + e.getMessage(), e);
        }
    }
}
