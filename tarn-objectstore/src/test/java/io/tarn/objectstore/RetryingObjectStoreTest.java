package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class RetryingObjectStoreTest {
    private final MemoryObjectStore mem = new MemoryObjectStore();
    private final FaultInjectingObjectStore faulty = new FaultInjectingObjectStore(mem);
    private final List<Long> waits = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    private RetryingObjectStore retrying(RetryPolicy p) {
        return new RetryingObjectStore(faulty, p, nanos -> {
            waits.add(nanos);
            now.addAndGet(nanos);
        }, now::get);
    }

    private static final RetryPolicy POLICY = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(400),
            Duration.ofSeconds(10), Duration.ZERO);

    @Test
    void retryableFailuresAreRetriedWithCappedExponentialJitter() {
        faulty.inject(Op.PUT, new Fault.Fail(true), 4);
        retrying(POLICY).put("k", ByteBuffer.wrap(new byte[]{1}));
        assertEquals(5, faulty.calls(Op.PUT));
        assertEquals(4, waits.size());
        long[] caps = {100, 200, 400, 400};
        for (int i = 0; i < 4; i++)
            assertTrue(waits.get(i) <= Duration.ofMillis(caps[i]).toNanos(), "wait " + i + " = " + waits.get(i));
        assertTrue(mem.head("k").isPresent());
    }

    @Test
    void nonRetryableFailurePassesAtOnce() {
        faulty.inject(Op.GET, new Fault.Fail(false), 1);
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> retrying(POLICY).get("k", 0, -1));
        assertFalse(e.retryable());
        assertEquals(1, faulty.calls(Op.GET));
        assertTrue(waits.isEmpty());
    }

    @Test
    void givesUpAfterMaxAttempts() {
        faulty.inject(Op.GET, new Fault.Fail(true), -1);
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> retrying(POLICY).get("k", 0, -1));
        assertEquals(5, faulty.calls(Op.GET));
        assertTrue(e.getMessage().contains("5 attempts"), e.getMessage());
        assertTrue(e.retryable());
    }

    @Test
    void deadlineBoundsTheWholeRequest() {
        faulty.inject(Op.GET, new Fault.Fail(true), -1);
        RetryPolicy slow = new RetryPolicy(1000, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ZERO);
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> retrying(slow).get("k", 0, -1));
        assertTrue(e.getMessage().contains("deadline"), e.getMessage());
        assertTrue(now.get() < Duration.ofSeconds(5).toNanos());
        assertTrue(faulty.calls(Op.GET) < 1000);
    }

    @Test
    void attemptTimeoutCutsAHangingCall() {
        var latch = faulty.hold(Op.HEAD);
        RetryPolicy p = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(20), Duration.ofMillis(50));
        try {
            ObjectStoreException e = assertThrows(ObjectStoreException.class,
                    () -> new RetryingObjectStore(faulty, p).head("k"));
            assertTrue(e.getMessage().contains("no answer"), e.getMessage());
            assertEquals(2, faulty.calls(Op.HEAD));
        } finally {
            latch.countDown();
        }
    }

    @Test
    void listResumesAfterTheLastDeliveredKey() {
        for (int i = 0; i < 10; i++) mem.put("l/" + i, ByteBuffer.wrap(new byte[]{(byte) i}));
        faulty.inject(Op.LIST, new Fault.Fail(true), 2);
        try (Stream<ObjectInfo> s = retrying(POLICY).list("l/", null)) {
            assertEquals(10, s.count());
        }
    }
}
