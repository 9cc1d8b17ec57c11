package io.tarn.meta.rocksdb;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvStore;
import io.tarn.testkit.kv.KvStoreContract;
import org.junit.jupiter.api.Test;

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
}
