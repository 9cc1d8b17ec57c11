package io.tarn.objectstore;

import io.tarn.api.ObjectStore;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The decorators keep the contract when they inject nothing, or only failures that retries absorb. */
@Timeout(60)
class DecoratedStoresContractTest {
    @Nested
    class RetryingOverLocal extends ObjectStoreContract {
        @TempDir
        Path dir;

        @Override
        protected ObjectStore open() {
            return new RetryingObjectStore(new LocalDirObjectStore(dir), RetryPolicy.DEFAULT);
        }
    }

    @Nested
    class FaultInjectingWithoutFaults extends ObjectStoreContract {
        @Override
        protected ObjectStore open() {
            return new FaultInjectingObjectStore(new MemoryObjectStore());
        }
    }

    @Nested
    class RetryingOverFlakyMemory extends ObjectStoreContract {
        @Override
        protected ObjectStore open() {
            FaultInjectingObjectStore flaky = new FaultInjectingObjectStore(new MemoryObjectStore());
            // Every third call fails; retries must hide it entirely.
            AtomicLong n = new AtomicLong();
            for (FaultInjectingObjectStore.Op op : FaultInjectingObjectStore.Op.values())
                flaky.inject(op, k -> n.incrementAndGet() % 3 == 0, new FaultInjectingObjectStore.Fault.Fail(true), -1);
            RetryPolicy fast = new RetryPolicy(10, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ZERO);
            return new RetryingObjectStore(flaky, fast);
        }
    }

    @Nested
    class MeteredOverLocal extends ObjectStoreContract {
        @TempDir
        Path dir;

        @Override
        protected ObjectStore open() {
            return new MeteredObjectStore(new LocalDirObjectStore(dir));
        }
    }

    @Nested
    class MemoryByName extends ObjectStoreContract {
        @Override
        protected ObjectStore open() {
            String name = "contract-" + System.nanoTime();
            return ObjectStores.open("mem://" + name);
        }
    }
}
