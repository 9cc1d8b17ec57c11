package io.tarn.objectstore;

import io.tarn.api.ObjectStore;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MemoryObjectStoreTest extends ObjectStoreContract {
    @Override
    protected ObjectStore open() {
        return new MemoryObjectStore();
    }
}
