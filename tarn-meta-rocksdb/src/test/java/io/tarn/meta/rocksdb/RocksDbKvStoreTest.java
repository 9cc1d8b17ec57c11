package io.tarn.meta.rocksdb;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvStore;
import io.tarn.testkit.kv.KvStoreContract;
import org.junit.jupiter.api.Test;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;
import org.rocksdb.RocksDB;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RocksDbKvStoreTest extends KvStoreContract {
    @Override
    protected KvStore open(Path dir) {
        return RocksDbKvStore.open(dir);
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefusedWithEio() {
        FsException e = assertThrows(FsException.class, () -> RocksDbKvStore.open(dir));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsEio() throws Exception {
        Path file = Files.writeString(dir.resolveSibling(dir.getFileName() + "-file"), "x");
        try {
            assertEquals(Errno.EIO, assertThrows(FsException.class, () -> RocksDbKvStore.open(file)).errno());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void closedStoreRefusesWork() {
        kv.close();
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> kv.read(r -> r.get(new byte[]{1}))).errno());
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> kv.write(w -> null)).errno());
        kv.close();
        kv = null;
    }

    @Test
    void aScanOfAnEmptyRangeDoesNotWalkTheDeletedKeysAfterIt() throws Exception {
        // 2,000 keys after the range, deleted again: tombstones until a compaction.
        kv.write(w -> {
            for (int i = 0; i < 2000; i++) w.put(new byte[]{2, (byte) (i >> 8), (byte) i}, new byte[]{1});
            return null;
        });
        kv.write(w -> {
            for (int i = 0; i < 2000; i++) w.delete(new byte[]{2, (byte) (i >> 8), (byte) i});
            return null;
        });
        kv.write(w -> {
            w.put(new byte[]{3}, new byte[]{1});
            return null;
        });
        RocksDB db = ((RocksDbKvStore) kv).db();
        db.setPerfLevel(PerfLevel.ENABLE_COUNT);
        try {
            PerfContext pc = db.getPerfContext();
            pc.reset();
            assertTrue(kv.read(r -> r.scan(new byte[]{1}, new byte[]{2}, 1)).isEmpty());
            assertEquals(0, pc.getInternalDeleteSkippedCount(), "a bounded scan stops at its end");
            pc.reset();
            assertTrue(kv.write(w -> w.scan(new byte[]{1}, new byte[]{2}, 1)).isEmpty());
            assertEquals(0, pc.getInternalDeleteSkippedCount(), "so does a scan inside a write");
        } finally {
            db.setPerfLevel(PerfLevel.DISABLE);
        }
    }
}
