package io.tarn.client.block;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HeapFootprintTest {
    @Test
    void arraysPastFourMebibytesTakeWholeTwoMebibytePages() {
        assertEquals(1016, HeapFootprint.ofArray(1000));
        assertEquals((4L << 20) - 16 + 16, HeapFootprint.ofArray((4 << 20) - 16), "exactly 4 MiB is still packed");
        assertEquals(6L << 20, HeapFootprint.ofArray(4 << 20), "a 4 MiB block plus its header: a 6 MiB page");
        assertEquals(10L << 20, HeapFootprint.ofArray(8 << 20));
    }
}
