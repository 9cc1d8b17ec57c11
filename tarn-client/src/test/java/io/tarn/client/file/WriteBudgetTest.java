package io.tarn.client.file;

import io.tarn.client.block.HeapFootprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arrays that come back from the block cache are reused as write buffers, within the budget's bound. */
@Timeout(30)
class WriteBudgetTest {
    private static final int BLOCK = 1000;

    @Test
    void recycledArraysAreReusedZeroedAndNeverBeyondTheBudget() {
        WriteBudget b = new WriteBudget(3 * HeapFootprint.ofArray(BLOCK), BLOCK, Duration.ofSeconds(5));
        assertEquals(3, b.buffers());
        Set<byte[]> given = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 5; i++) {
            byte[] a = new byte[BLOCK];
            a[0] = 7;
            b.recycle(a);
            given.add(a);
        }
        b.recycle(new byte[BLOCK + 1]); // not a block buffer: ignored
        List<byte[]> taken = new ArrayList<>();
        int reused = 0;
        for (int i = 0; i < 3; i++) {
            byte[] a = b.acquire();
            assertArrayEquals(new byte[BLOCK], a, "a reused buffer is zeroed");
            if (given.contains(a)) reused++;
            taken.add(a);
        }
        assertEquals(3, reused, "the budget keeps at most its own number of idle buffers, and reuses them");
        assertEquals(3, b.inUse());
        // While every buffer is in use, nothing more is kept: a recycled array would exceed the bound.
        b.recycle(new byte[BLOCK]);
        for (byte[] a : taken) b.release(a);
        assertEquals(0, b.inUse());
        assertTrue(b.waits() == 0);
    }

    @Test
    void aBlockStartsSmallGrowsToBlockSizeWithItsBytesAndOnlyBlockSizedArraysAreKept() {
        int block = 4 * WriteBudget.SMALL;
        WriteBudget b = new WriteBudget(2 * HeapFootprint.ofArray(block), block, Duration.ofSeconds(5));
        byte[] small = b.acquire(4096);
        assertEquals(WriteBudget.SMALL, small.length, "a first write within SMALL bytes gets a SMALL array");
        assertEquals(1, b.inUse(), "which still counts a whole block");
        assertEquals(block, b.acquire(WriteBudget.SMALL + 1).length, "a first write past it gets a whole block");
        assertEquals(2, b.inUse());
        small[0] = 1;
        small[WriteBudget.SMALL - 1] = 2;
        byte[] grown = b.grow(small);
        assertEquals(block, grown.length);
        assertEquals(1, grown[0]);
        assertEquals(2, grown[WriteBudget.SMALL - 1]);
        assertEquals(0, grown[WriteBudget.SMALL], "past the small array's end the block reads as zeros");
        assertEquals(2, b.inUse(), "growing takes no second permit");
        b.release(grown);
        byte[] again = b.acquire(block);
        assertTrue(again == grown, "a released block-sized array is reused");
        assertArrayEquals(new byte[block], again, "zeroed");
        b.release(again);
        byte[] small2 = b.acquire(1);
        b.release(small2);
        // Only block-sized arrays go back to the free list: the next whole block is the recycled one, not small2.
        assertEquals(block, b.acquire(block).length);
    }
}
