package io.tarn.client.block;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HeapFootprintTest {
    @Test
    void arraysOfHalfARegionOrMoreTakeWholeRegions() {
        assertEquals(1016, HeapFootprint.ofArray(1000));
        assertEquals((512L << 10) - 1, HeapFootprint.ofArray((512 << 10) - 17), "under half a region: packed");
        assertEquals(1L << 20, HeapFootprint.ofArray((512 << 10) - 16), "half a region: a region of its own");
        assertEquals(1L << 20, HeapFootprint.ofArray((1 << 20) - 16));
        assertEquals(2L << 20, HeapFootprint.ofArray(1 << 20), "a 1 MiB block plus its header: two regions");
        assertEquals(5L << 20, HeapFootprint.ofArray(4 << 20), "a 4 MiB block plus its header: five regions");
        assertEquals(9L << 20, HeapFootprint.ofArray(8 << 20));
    }
}
