package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code tarn volume quota --bytes/--inodes}: sizes in binary units, counts in decimal ones, "none" clears. */
@Timeout(10)
class QuotaSizesTest {
    @Test
    void bytesAndCounts() {
        assertEquals(10L << 30, Sizes.quotaBytes("10G"));
        assertEquals(0, Sizes.quotaBytes("none"));
        assertEquals(1_000_000, Sizes.quotaCount("1M"));
        assertEquals(500_000, Sizes.quotaCount("500k"));
        assertEquals(0, Sizes.quotaCount("None"));
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> Sizes.quotaCount("-5")).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> Sizes.quotaBytes("lots")).errno());
    }
}
