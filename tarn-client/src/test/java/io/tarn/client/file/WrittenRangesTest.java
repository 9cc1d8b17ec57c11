package io.tarn.client.file;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WrittenRangesTest {
    private static byte[] filled(int n, char c) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) c);
        return b;
    }

    @Test
    void rangesMergeWhenTheyTouchOrOverlap() {
        WrittenRanges w = new WrittenRanges(null);
        w.add(10, 20);
        w.add(30, 40);
        w.add(0, 5);
        assertFalse(w.covers(40));
        w.add(5, 10);      // touches [0,5) and [10,20)
        w.add(15, 35);     // bridges to [30,40)
        assertTrue(w.covers(40));
        assertFalse(w.covers(41));
        assertEquals(40, w.end());
    }

    @Test
    void overlayPutsOnlyTheWrittenRangesOverTheOtherBlock() {
        WrittenRanges w = new WrittenRanges(null);
        w.add(2, 4);
        w.add(8, 12);
        byte[] mine = filled(12, 'm'), into = new byte[16];
        int n = w.overlay(mine, 12, filled(10, 't'), into);
        assertEquals(12, n, "the longer of the two");
        assertArrayEquals("ttmmttttmmmm".getBytes(), java.util.Arrays.copyOf(into, n));
        n = w.overlay(mine, 12, new byte[0], into);
        assertArrayEquals(new byte[]{0, 0, 'm', 'm', 0, 0, 0, 0, 'm', 'm', 'm', 'm'}, java.util.Arrays.copyOf(into, n), "a hole under them");
    }

    @Test
    void tooManyRangesBecomeTheirSpan() {
        WrittenRanges w = new WrittenRanges(null);
        for (int i = 0; i <= WrittenRanges.MAX_RANGES; i++) w.add(i * 10 + 1, i * 10 + 2);
        byte[] into = new byte[1000];
        int n = w.overlay(filled(1000, 'm'), 1000, filled(1000, 't'), into);
        assertEquals('t', into[0]);
        assertEquals('m', into[5], "inside the span now");
        assertEquals('t', into[(WrittenRanges.MAX_RANGES * 10) + 5]);
        assertEquals(1000, n);
    }
}
