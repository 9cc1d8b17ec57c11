package io.tarn.meta.rocksdb;

import io.tarn.api.kv.KvStore;
import io.tarn.testkit.kv.KvStoreContract;

import java.nio.file.Path;

class RocksDbKvStoreTest extends KvStoreContract {
    @Override
    protected KvStore open(Path dir) {
        return RocksDbKvStore.open(dir);
    }
}
