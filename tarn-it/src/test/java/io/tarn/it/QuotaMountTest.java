package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume usage and quotas through a real mount (ADR 0133): df and df -i show the quota as the size,
 * dd past it fails with "Disk quota exceeded" and rm frees the space again, creations past the inode
 * quota fail the same way, a sparse 1 TiB file counts the blocks written, and `tarn volume quota`
 * changes the limits of the mounted volume (through the daemon's endpoint) and from a `tarn meta` server.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaMountTest {
    private static final Duration T = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    @TempDir static Path tmp;
    String data;
    MountedVolume mv;
    Path mnt;

    @BeforeAll
    void mount() throws Exception {
        data = tmp.resolve("data").toString();
        Programs.Result created = Programs.tarn(T, "volume", "create", "q", "--data", data, "--quota-bytes", "16M", "--quota-inodes", "50").ok();
        assertTrue(created.out().contains("16.0 MiB"), created.out());
        mnt = tmp.resolve("mnt");
        mv = MountedVolume.mount("q", mnt, "--data", data);
    }

    @AfterAll
    void unmount() throws Exception {
        if (mv != null) mv.close();
    }

    private void quota(String... limits) throws Exception {
        String[] args = new String[4 + limits.length];
        args[0] = "volume";
        args[1] = "quota";
        args[2] = "q";
        args[3] = "--data=" + data;
        System.arraycopy(limits, 0, args, 4, limits.length);
        Programs.tarn(T, args).ok();
    }

    /** statvfs of the mount: {total, free, avail} bytes and {files, ffree}. */
    private long[] statvfs() throws Exception {
        String[] f = Programs.bash(T, mnt, "stat -f -c '%S %b %f %a %c %d' .").ok().out().strip().split(" ");
        long unit = Long.parseLong(f[0]);
        return new long[]{unit * Long.parseLong(f[1]), unit * Long.parseLong(f[2]), unit * Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5])};
    }

    private long usedBytes() throws Exception {
        long[] s = statvfs();
        return s[0] - s[1];
    }

    @Test
    void dfShowsTheQuotaAndTheUsage() throws Exception {
        quota("--bytes", "16M", "--inodes", "50");
        Programs.bash(T, mnt, "mkdir -p df && head -c 3M /dev/urandom > df/three && sync").ok();
        try {
            long[] s = statvfs();
            assertEquals(16 * MIB, s[0], "the byte quota is the size");
            assertEquals(s[1], s[2], "free and available are the same");
            assertTrue(s[0] - s[1] >= 3 * MIB && s[0] - s[1] < 16 * MIB, "used " + (s[0] - s[1]));
            assertEquals(50, s[3], "the inode quota is the inode count");
            assertTrue(s[4] <= 47 && s[4] >= 40, "free inodes " + s[4]);
            String df = Programs.bash(T, mnt, "df -B1 --output=size,used,avail . | tail -1").ok().out().strip();
            assertTrue(df.startsWith(String.valueOf(16 * MIB)), df);
            String dfi = Programs.bash(T, mnt, "df -i . | tail -1 | awk '{print $2}'").ok().out().strip();
            assertEquals("50", dfi);
            // Changed on the mounted volume through its daemon: the next statfs shows it, and none clears it.
            quota("--bytes", "32M");
            assertEquals(32 * MIB, statvfs()[0]);
            assertEquals(50, statvfs()[3], "an unnamed limit stays");
            quota("--bytes", "none", "--inodes", "none");
            long[] open = statvfs();
            assertEquals(1L << 50, open[0], "without a quota the size is large");
            assertTrue(open[3] > 1_000_000_000L);
        } finally {
            Programs.bash(T, mnt, "rm -rf df").ok();
        }
    }

    @Test
    void ddPastTheQuotaFailsWithDiskQuotaExceededAndRmFreesIt() throws Exception {
        quota("--bytes", "16M", "--inodes", "none");
        // A client checks writes against a statfs up to 1 s old (ADR 0133); one through the mount now makes
        // sure it holds the new quota, not the previous test's.
        assertEquals(16 * MIB, statvfs()[0]);
        try {
            Programs.Result dd = Programs.bash(T, mnt, "dd if=/dev/zero of=big bs=1M count=64 2>&1");
            assertNotEquals(0, dd.exit(), dd.out());
            assertTrue(dd.out().contains("Disk quota exceeded"), dd.out());
            long size = Long.parseLong(Programs.bash(T, mnt, "stat -c %s big").ok().out().strip());
            assertTrue(size <= 16 * MIB && size >= 8 * MIB, "dd wrote what fitted: " + size);
            assertTrue(usedBytes() <= 16 * MIB, "the quota held: " + usedBytes());
            Programs.Result more = Programs.bash(T, mnt, "dd if=/dev/zero of=more bs=1M count=1 2>&1");
            assertNotEquals(0, more.exit(), more.out());
            assertTrue(more.out().contains("Disk quota exceeded"), more.out());
            Programs.bash(T, mnt, "rm -f big more").ok();
            Programs.bash(T, mnt, "dd if=/dev/zero of=after bs=1M count=8 conv=fsync 2>&1").ok();
            assertEquals(8 * MIB, usedBytes(), "after rm the write succeeds and is all that is used");
        } finally {
            Programs.bash(T, mnt, "rm -f big more after").ok();
        }
    }

    @Test
    void createsPastTheInodeQuotaFail() throws Exception {
        quota("--bytes", "none", "--inodes", "none");
        Programs.bash(T, mnt, "mkdir -p inodes").ok();
        long used = statvfs()[3] - statvfs()[4];
        quota("--inodes", String.valueOf(used + 5));
        try {
            Programs.Result touch = Programs.bash(T, mnt, "for i in $(seq 1 10); do touch inodes/f$i; done 2>&1");
            assertNotEquals(0, touch.exit());
            assertTrue(touch.out().contains("Disk quota exceeded"), touch.out());
            assertEquals("5", Programs.bash(T, mnt, "ls inodes | wc -l").ok().out().strip());
            Programs.Result mkdir = Programs.bash(T, mnt, "mkdir inodes/d 2>&1");
            assertTrue(mkdir.out().contains("Disk quota exceeded"), mkdir.out());
            Programs.bash(T, mnt, "rm inodes/f1 && touch inodes/again").ok();
        } finally {
            quota("--inodes", "none");
            Programs.bash(T, mnt, "rm -rf inodes").ok();
        }
    }

    @Test
    void aSparseTebibyteCountsOnlyItsBlocks() throws Exception {
        quota("--bytes", "64M", "--inodes", "none");
        long before = usedBytes();
        try {
            Programs.bash(T, mnt, "truncate -s 1T sparse && dd if=/dev/urandom of=sparse bs=1M count=1 seek=$((1024*1024-1)) conv=notrunc,fsync 2>/dev/null").ok();
            assertEquals(String.valueOf(1L << 40), Programs.bash(T, mnt, "stat -c %s sparse").ok().out().strip());
            long grew = usedBytes() - before;
            assertTrue(grew >= MIB && grew <= 4 * MIB, "a 1 TiB file with 1 MiB written uses " + grew + " bytes");
            Programs.bash(T, mnt, "fallocate -p -o $((1024*1024*1024*1024-4*1024*1024)) -l 4M sparse").ok();
            assertEquals(before, usedBytes(), "punching the block out frees it");
            Programs.Result fa = Programs.bash(T, mnt, "fallocate -l 128M big 2>&1");
            assertTrue(fa.out().contains("Disk quota exceeded"), fa.out());
        } finally {
            Programs.bash(T, mnt, "rm -f sparse big").ok();
        }
    }

    @Test
    void quotasAreSetOnAMetaServerToo() throws Exception {
        try (MetaServerProcess server = MetaServerProcess.start(tmp.resolve("server"))) {
            String store = tmp.resolve("server-objects").toUri().toString();
            Programs.tarn(T, "volume", "create", "r", "--store", store, "--meta", server.address(), "--quota-bytes", "1G").ok();
            String set = Programs.tarn(T, "volume", "quota", "r", "--meta", server.address(), "--inodes", "1M").ok().out();
            assertTrue(set.contains("of 1.0 GiB used") && set.contains("of 1000000"), set);
            String info = Programs.tarn(T, "volume", "info", "r", "--meta", server.address()).ok().out();
            assertTrue(info.contains("quota:       1.0 GiB, 1000000 inodes"), info);
            Programs.Result bad = Programs.tarn(T, "volume", "quota", "r", "--meta", server.address(), "--bytes", "lots");
            assertNotEquals(0, bad.exit());
            assertTrue(bad.err().contains("not a size"), bad.err());
        }
    }
}
