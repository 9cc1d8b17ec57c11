package io.tarn.objectstore;

import io.tarn.api.ObjectStore;
import io.tarn.testkit.store.ObjectStoreContract;

class MemoryObjectStoreTest extends ObjectStoreContract {
    @Override
    protected ObjectStore open() {
        return new MemoryObjectStore();
    }
}
