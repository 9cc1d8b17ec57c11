package io.tarn.meta;

import io.tarn.api.kv.KvStore;
import io.tarn.testkit.kv.KvStoreContract;

import java.nio.file.Path;

class MemoryKvStoreTest extends KvStoreContract {
    @Override
    protected KvStore open(Path dir) {
        return new MemoryKvStore();
    }

    @Override
    protected boolean persistent() {
        return false;
    }
}
