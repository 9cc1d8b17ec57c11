package io.tarn.meta.rocksdb;

import io.tarn.api.MetaService;
import io.tarn.meta.LocalMetaService;
import io.tarn.testkit.meta.MetaServiceContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The MetaService contract over the RocksDB engine. */
class RocksDbMetaServiceTest extends MetaServiceContract {
    @TempDir
    Path dir;

    @Override
    protected MetaService open() {
        return new LocalMetaService(RocksDbKvStore.open(dir.resolve("db")));
    }
}
