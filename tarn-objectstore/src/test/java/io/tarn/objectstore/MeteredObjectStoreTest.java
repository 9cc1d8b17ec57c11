package io.tarn.objectstore;

import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(10)
class MeteredObjectStoreTest {
    @Test
    void countsCallsBytesAndFailures() {
        FaultInjectingObjectStore faulty = new FaultInjectingObjectStore(new MemoryObjectStore());
        MeteredObjectStore s = new MeteredObjectStore(faulty);
        s.put("a", ByteBuffer.allocate(100));
        s.put("b", ByteBuffer.allocate(50));
        s.get("a", 10, 20);
        s.get("missing", 0, -1);
        faulty.inject(FaultInjectingObjectStore.Op.GET, new Fault.Fail(true), 1);
        assertThrows(ObjectStoreException.class, () -> s.get("a", 0, -1));
        s.delete("a");
        assertEquals(new MeteredObjectStore.Totals(2, 0, 150, s.totals(MeteredObjectStore.Op.PUT).nanos()), s.totals(MeteredObjectStore.Op.PUT));
        MeteredObjectStore.Totals gets = s.totals(MeteredObjectStore.Op.GET);
        assertEquals(3, gets.calls());
        assertEquals(1, gets.failures());
        assertEquals(20, gets.bytes());
        assertEquals(1, s.totals(MeteredObjectStore.Op.DELETE).calls());
        assertTrue(gets.nanos() > 0);
    }
}
