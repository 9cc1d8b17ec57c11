package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sparse files and the calls around them: fallocate (allocate, keep size, punch hole), SEEK_DATA and
 * SEEK_HOLE, files past 4 GiB and a sparse 1 TiB file, copy_file_range, and statfs. Holes are absent
 * blocks of the volume's block size (4 MiB here), so layouts aligned to 4 MiB are compared with ext4
 * exactly; within a block Tarn reports data where ext4 (4 KiB blocks) may report a hole.
 */
class ConformanceSparseTest extends Conformance {
    private static final long MIB = 1 << 20, BLOCK = 4 * MIB, GIB = 1L << 30, TIB = 1L << 40;

    @Test
    void fallocateModesAndTheirErrors() throws Exception {
        conform("falloc",
                c("ok", "write", "f", 0, "0123456789"),
                c("ok", "fallocate", "f", 0, 0, 3 * MIB),
                c("ok " + 3 * MIB, "stat", "f", "size"),
                c("ok", "fallocate", "f", 1, 0, 9 * MIB),
                c("ok " + 3 * MIB, "stat", "f", "size"),
                c("ok 0123456789", "read", "f", 0, 10),
                c("ok 4096 zeros", "readzero", "f", 10, 4096),
                c("ok", "fallocate", "f", 3, 2, 5),
                c("ok 01" + nul(5) + "789", "read", "f", 0, 10),
                c("ok " + 3 * MIB, "stat", "f", "size"),
                c("ENOTSUP", "fallocate", "f", 2, 0, 10),
                c("EINVAL", "fallocate", "f", 0, 0, 0),
                c("EINVAL", "fallocate", "f", 0, -1, 10),
                c("EBADF", "fallocate_ro", "f", 0, 0, 10),
                c("EFBIG", "fallocate", "f", 0, Long.MAX_VALUE - 10, 100),
                c("ok", "mkdir", "d", 0755));
    }

    @Test
    void seekDataAndHoleOnBlockAlignedLayouts() throws Exception {
        conform("seek",
                c("ok " + BLOCK, "writeat", "f", 0, (int) BLOCK),
                c("ok " + BLOCK, "writeat", "f", 3 * BLOCK, (int) BLOCK),
                c("ok 0", "seek", "f", 0, "data"),
                c("ok " + BLOCK, "seek", "f", 0, "hole"),
                c("ok " + 3 * BLOCK, "seek", "f", BLOCK, "data"),
                c("ok " + (BLOCK + 5), "seek", "f", BLOCK + 5, "hole"),
                c("ok " + 4 * BLOCK, "seek", "f", 3 * BLOCK, "hole"),
                c("ENXIO", "seek", "f", 4 * BLOCK, "data"),
                c("ENXIO", "seek", "f", 4 * BLOCK, "hole"),
                c("ok", "truncate", "f", 6 * BLOCK),
                c("ENXIO", "seek", "f", 4 * BLOCK, "data"),
                c("ok " + 4 * BLOCK, "seek", "f", 4 * BLOCK, "hole"),
                c("ok", "fallocate", "f", 3, 0, BLOCK),
                c("ok " + 3 * BLOCK, "seek", "f", 0, "data"),
                c("ok 0", "seek", "f", 0, "hole"),
                c("ok " + 4096 + " zeros", "readzero", "f", BLOCK - 4096, 4096),
                c("ok " + 6 * BLOCK, "stat", "f", "size"),
                c("ok", "create", "empty", 0644),
                c("ENXIO", "seek", "empty", 0, "data"),
                c("ENXIO", "seek", "empty", 0, "hole"));
    }

    @Test
    void holeGranularityIsTheBlock() throws Exception {
        List<String> out = onMount("granule",
                c("ok 1", "writeat", "f", 5 * MIB, 1),
                c("ok " + BLOCK, "seek", "f", 0, "data"),
                c("ok " + (5 * MIB + 1), "seek", "f", BLOCK, "hole"));
        assertEquals(3, out.size());
    }

    @Test
    void filesPastFourGibAndASparseTebibyte() throws Exception {
        conform("big",
                c("ok 3", "write", "f", 5 * GIB, "end"),
                c("ok " + (5 * GIB + 3), "stat", "f", "size"),
                c("ok end", "read", "f", 5 * GIB, 10),
                c("ok 65536 zeros", "readzero", "f", 4 * GIB - 100, 65536),
                c("ok 3", "write", "tib", TIB - 3, "end"),
                c("ok " + TIB, "stat", "tib", "size"),
                c("ok end", "read", "tib", TIB - 3, 3),
                c("ok 4096 zeros", "readzero", "tib", 0, 4096),
                c("ok 4096 zeros", "readzero", "tib", TIB / 2 + 12345, 4096),
                c("ok 1000 zeros", "readzero", "tib", TIB - 1003, 1000),
                c("ok 0", "seek", "tib", 0, "hole"),
                c("ok " + TIB, "seek", "tib", TIB - 3, "hole"),
                c("EINVAL", "write", "huge", Long.MAX_VALUE - 1, "xy"));
        onMount("big", c("ok " + (TIB - BLOCK), "seek", "tib", 0, "data"));
        // Usage counts the blocks written, not the holes (ADR 0133): the sparse 1 TiB file holds one block.
        String[] st = Programs.bash(T, mnt, "stat -f -c '%b %f %S %l' .").ok().out().strip().split(" ");
        long usedBytes = (Long.parseLong(st[0]) - Long.parseLong(st[1])) * Long.parseLong(st[2]);
        assertTrue(usedBytes >= BLOCK && usedBytes < GIB && Long.parseLong(st[1]) > 0, "statfs shows " + usedBytes + " bytes used");
        assertEquals("255", st[3]);
    }

    private static String nul(int n) {
        return String.valueOf((char) 0).repeat(n);
    }

    @Test
    void copyFileRangeCopiesBytesAndRefusesBadCalls() throws Exception {
        conform("copy",
                c("ok " + 3 * MIB, "writeat", "src", 0, (int) (3 * MIB)),
                c("ok 4", "write", "src", 6 * MIB, "tail"),
                c("ok " + (6 * MIB + 4), "copy", "src", "dst", 0, 0, 1 << 30, List.of("O_WRONLY", "O_CREAT")),
                c(null, "sha", "src"),
                c(null, "sha", "dst"),
                c("ok 10", "copy", "src", "part", 6 * MIB - 6, 100, 10, List.of("O_WRONLY", "O_CREAT")),
                c("ok 110", "stat", "part", "size"),
                c("ok " + nul(6) + "tail", "read", "part", 100, 20),
                c("ok 0", "copy", "src", "part", 7 * MIB, 0, 10, List.of("O_WRONLY")),
                c("EBADF", "copy", "src", "part", 0, 0, 10, List.of("O_RDONLY")),
                c("EBADF", "copy", "src", "part", 0, 0, 10, List.of("O_WRONLY", "O_APPEND")),
                c("EINVAL", "copy_same", "src", 0, 100, 1000),
                c("ok 1000", "copy_same", "src", 0, 5000, 1000),
                c("ok", "mkdir", "d", 0755),
                c(null, "copy", "src", "d", 0, 0, 10, List.of("O_RDONLY")));
        List<String> shas = onMount("copy", c(null, "sha", "src"), c(null, "sha", "dst"));
        assertEquals(shas.get(0), shas.get(1));
    }

    @Test
    void statfsReportsTheVolumesUsage() throws Exception {
        String before = Programs.bash(T, mnt, "stat -f -c '%b %f %S' .").ok().out().strip();
        onMount("statfs", c("ok " + 16 * MIB, "writeat", "f", 0, (int) (16 * MIB)));
        String after = Programs.bash(T, mnt, "sync .; stat -f -c '%b %f %S' .").ok().out().strip();
        long b = used(before), a = used(after);
        assertTrue(a - b >= 15 * MIB && a - b <= 20 * MIB, "used before " + b + ", after " + a);
    }

    private static long used(String statf) {
        String[] p = statf.split(" ");
        return (Long.parseLong(p[0]) - Long.parseLong(p[1])) * Long.parseLong(p[2]);
    }
}
