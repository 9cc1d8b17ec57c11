package io.tarn.rpc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(10)
class RequestIdsTest {
    @Test
    void idsIncreaseAndAClientStartedLaterStartsAbove() {
        RequestIds first = new RequestIds();
        long startMillis = System.currentTimeMillis(); // not before the clock reading inside the constructor
        long previous = 0;
        for (int i = 0; i < 500; i++) {
            long id = first.next();
            assertTrue(id > previous, "ids must be positive and increase");
            previous = id;
        }
        // fewer than 1024 ids per millisecond: a client started a millisecond later begins above all of them
        while (System.currentTimeMillis() <= startMillis) Thread.onSpinWait();
        assertTrue(new RequestIds().next() > previous);
    }
}
