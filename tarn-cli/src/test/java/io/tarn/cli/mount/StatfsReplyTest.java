package io.tarn.cli.mount;

import io.tarn.api.StatFs;
import io.tarn.fuse.FsStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What df sees (ADR 0133): a quota is the size and the rest of it is free, never below zero. */
@Timeout(10)
class StatfsReplyTest {
    private static final long MIB = 1 << 20;

    @Test
    void aByteQuotaIsTheSizeInFourKibUnits() {
        FsStats s = VfsFilesystem.stats(new StatFs(3 * MIB + 1, 7, 10 * MIB, 100), 4 * MIB);
        assertEquals(4096, s.fragmentSize());
        assertEquals(4 * MIB, s.blockSize(), "the I/O size stays the volume's block");
        assertEquals(2560, s.blocks(), "10 MiB exactly");
        assertEquals(2560 - 769, s.blocksFree(), "3 MiB and a byte use 769 units");
        assertEquals(s.blocksFree(), s.blocksAvailable());
        assertEquals(100, s.files());
        assertEquals(93, s.filesFree());
    }

    @Test
    void overTheQuotaNothingIsFree() {
        FsStats s = VfsFilesystem.stats(new StatFs(20 * MIB, 200, 10 * MIB, 100), 4 * MIB);
        assertEquals(0, s.blocksFree());
        assertEquals(0, s.blocksAvailable());
        assertEquals(0, s.filesFree());
    }

    @Test
    void withoutAQuotaTheCapacityIsLarge() {
        FsStats s = VfsFilesystem.stats(new StatFs(5 * MIB, 3, 0, 0), 4 * MIB);
        assertEquals((1L << 50) / 4096, s.blocks());
        assertEquals(s.blocks() - 5 * MIB / 4096, s.blocksFree());
        assertEquals(1L << 40, s.files());
        assertEquals((1L << 40) - 3, s.filesFree());
    }
}
