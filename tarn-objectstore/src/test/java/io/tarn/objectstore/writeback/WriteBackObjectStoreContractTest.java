package io.tarn.objectstore.writeback;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The write-back decorator is an object store like any other: read-your-writes, listing, ranges, keys. */
class WriteBackObjectStoreContractTest extends ObjectStoreContract {
    @TempDir
    Path tmp;

    @Override
    protected ObjectStore open() throws Exception {
        return new WriteBackObjectStore(new MemoryObjectStore(), Files.createTempDirectory(tmp, "wb"), 64L << 20, 0, 4,
                Duration.ofSeconds(30));
    }
}
