package io.tarn.objectstore;

import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class FaultInjectingObjectStoreTest {
    private final MemoryObjectStore mem = new MemoryObjectStore();
    private final FaultInjectingObjectStore store = new FaultInjectingObjectStore(mem);

    @Test
    void failsOnlyMatchingCallsAndOnlyAsOftenAsAsked() {
        mem.put("a/1", ByteBuffer.wrap(new byte[]{1}));
        store.inject(Op.GET, k -> k.startsWith("a/"), new Fault.Fail(true), 1);
        assertThrows(ObjectStoreException.class, () -> store.get("a/1", 0, -1));
        assertTrue(store.get("a/1", 0, -1).isPresent());
        assertEquals(2, store.calls(Op.GET));
    }

    @Test
    void truncatesAndFlipsBits() {
        mem.put("x", ByteBuffer.wrap(new byte[]{1, 2, 3, 4}));
        store.inject(Op.GET, new Fault.Truncate(2), 1);
        assertEquals(2, store.get("x", 0, -1).orElseThrow().remaining());
        store.inject(Op.GET, new Fault.FlipBit(3), 1);
        assertEquals(5, store.get("x", 0, -1).orElseThrow().get(3));
        assertEquals(4, store.get("x", 0, -1).orElseThrow().get(3), "faults do not touch the stored object");
    }

    @Test
    void tornPutStoresAPrefix() {
        store.inject(Op.PUT, new Fault.TornPut(1), 1);
        store.put("t", ByteBuffer.wrap(new byte[]{9, 9, 9}));
        assertEquals(1, mem.head("t").orElseThrow().size());
    }

    @Test
    void holdBlocksUntilReleased() throws Exception {
        mem.put("h", ByteBuffer.wrap(new byte[]{1}));
        var latch = store.hold(Op.GET);
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> store.get("h", 0, -1).orElseThrow().remaining());
        assertFalse(f.isDone());
        latch.countDown();
        assertEquals(1, f.get());
    }
}
