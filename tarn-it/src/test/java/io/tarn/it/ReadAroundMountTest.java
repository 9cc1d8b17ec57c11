package io.tarn.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-around through a real FUSE mount (ADR 0070, Decision 8). A small random read that memory answers
 * pushes its aligned 128 KiB region into the kernel's page cache, and `fincore` sees the region's
 * pages resident. Writes through the mount stay visible, including writes whose open finds a push of
 * their file under way.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadAroundMountTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int PAGE = 4096, REGION = 128 << 10;

    @TempDir Path tmp;
    private MountedVolume mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) mount.close();
    }

    private MountedVolume mountFresh(String name, String... options) throws Exception {
        Path data = tmp.resolve("data");
        if (!Files.exists(data)) Programs.tarn(T, "volume", "create", "ra", "--block-size", "1M", "--data", data.toString()).ok();
        if (mount != null) mount.close();
        List<String> args = new java.util.ArrayList<>(List.of("--data", data.toString()));
        args.addAll(List.of(options));
        mount = MountedVolume.mount("ra", tmp.resolve(name), args.toArray(String[]::new));
        return mount;
    }

    /** Pages of {@code f} in the page cache, by util-linux's fincore. */
    private static long residentPages(Path f) throws Exception {
        Programs.Result r = Programs.run(T, f.getParent(), List.of("fincore", "--bytes", "--noheadings", "--output", "PAGES", f.toString()));
        assertEquals(0, r.exit(), r.err());
        return Long.parseLong(r.out().trim());
    }

    /**
     * Waits (at most {@link #T}) until at least {@code pages} of {@code f} are in the page cache, and returns
     * how many are. A push lands asynchronously and signals nothing: each look runs fincore, which paces
     * the loop.
     */
    private static long awaitResident(Path f, long pages) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        long resident;
        while ((resident = residentPages(f)) < pages && System.nanoTime() < deadline) Thread.onSpinWait();
        return resident;
    }

    private static byte[] readAt(RandomAccessFile f, long pos, int n) throws Exception {
        byte[] b = new byte[n];
        f.seek(pos);
        f.readFully(b);
        return b;
    }

    @Test
    void aSmallReadFromMemoryPushesItsRegionIntoThePageCache() throws Exception {
        byte[] content = new byte[2 << 20];
        new Random(3).nextBytes(content);
        Files.write(mountFresh("m1").mountpoint.resolve("f"), content);
        // A fresh mount: the kernel holds none of the file, the client none of its blocks.
        Path f = mountFresh("m2").mountpoint.resolve("f");
        long regionStart = 5L * REGION;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            // A random reader's first read of a block fetches a range, its second the whole block; neither is
            // answered from memory, so neither pushes. The third is, and pushes its region.
            for (int page : new int[]{3, 9, 14}) {
                long at = regionStart + (long) page * PAGE;
                assertArrayEquals(Arrays.copyOfRange(content, (int) at, (int) at + PAGE), readAt(raf, at, PAGE));
            }
            long resident = awaitResident(f, REGION / PAGE);
            assertTrue(resident >= REGION / PAGE, "the whole region is in the page cache after three reads of one page each: " + resident + " pages");
            // What the kernel now serves from its cache is the file's data.
            assertArrayEquals(Arrays.copyOfRange(content, (int) regionStart, (int) regionStart + REGION), readAt(raf, regionStart, REGION));
        }
        assertArrayEquals(content, Files.readAllBytes(f));
    }

    @Test
    void aFileOpenForWritingIsNotPushed() throws Exception {
        byte[] content = new byte[1 << 20];
        new Random(9).nextBytes(content);
        MountedVolume m1 = mountFresh("m1");
        Files.write(m1.mountpoint.resolve("h"), content);
        Files.write(m1.mountpoint.resolve("c"), content);
        MountedVolume m2 = mountFresh("m2");
        Path h = m2.mountpoint.resolve("h"), c = m2.mountpoint.resolve("c");
        long region = 2L * REGION;
        try (RandomAccessFile writer = new RandomAccessFile(h.toFile(), "rw");
             RandomAccessFile reader = new RandomAccessFile(h.toFile(), "r");
             RandomAccessFile control = new RandomAccessFile(c.toFile(), "r")) {
            // h's third read is answered from memory, but h is open for writing: no push.
            for (int page : new int[]{3, 9, 14}) readAt(reader, region + (long) page * PAGE, PAGE);
            // The same reads of c, which nobody writes, push c's region. Pushes run in order on one thread:
            // once c's region is resident, h's push would have been done before it.
            for (int page : new int[]{3, 9, 14}) readAt(control, region + (long) page * PAGE, PAGE);
            long pushedOfC = awaitResident(c, REGION / PAGE);
            assertTrue(pushedOfC >= REGION / PAGE, "the control file's region was pushed: " + pushedOfC + " pages");
            assertEquals(3, residentPages(h), "of the file open for writing, only the 3 pages read are in the page cache");
            assertEquals(1, writer.length() >> 20);
        }
    }

    @Test
    void readAroundCanBeTurnedOffForAMount() throws Exception {
        byte[] content = new byte[1 << 20];
        new Random(13).nextBytes(content);
        Files.write(mountFresh("m1").mountpoint.resolve("k"), content);
        Path k = mountFresh("m2", "-o", "read-around=off").mountpoint.resolve("k");
        try (RandomAccessFile raf = new RandomAccessFile(k.toFile(), "r")) {
            for (int page : new int[]{3, 9, 14, 20}) {
                long at = 2L * REGION + (long) page * PAGE;
                assertArrayEquals(Arrays.copyOfRange(content, (int) at, (int) at + PAGE), readAt(raf, at, PAGE));
            }
        }
        assertArrayEquals(content, Files.readAllBytes(k));
    }

    @Test
    void writesRacingWithPushesStayVisible() throws Exception {
        int size = 1 << 20;
        byte[] expected = new byte[size];
        new Random(5).nextBytes(expected);
        Path f = mountFresh("m1").mountpoint.resolve("g");
        Files.write(f, expected);
        Random rnd = new Random(11);
        try (RandomAccessFile reader = new RandomAccessFile(f.toFile(), "r")) {
            for (int round = 0; round < 500; round++) {
                // A small random read pushes its region; a write into that region follows at once, through
                // an open for writing that may find the push under way.
                long page = rnd.nextInt(size / PAGE);
                assertArrayEquals(Arrays.copyOfRange(expected, (int) page * PAGE, (int) page * PAGE + PAGE), readAt(reader, page * PAGE, PAGE),
                        "round " + round + ", page " + page);
                int at = (int) (page * PAGE / REGION * REGION) + rnd.nextInt(REGION - 100);
                byte[] w = new byte[1 + rnd.nextInt(100)];
                rnd.nextBytes(w);
                try (RandomAccessFile writer = new RandomAccessFile(f.toFile(), "rw")) {
                    writer.seek(at);
                    writer.write(w);
                }
                System.arraycopy(w, 0, expected, at, w.length);
            }
        }
        assertArrayEquals(expected, Files.readAllBytes(f), "the page cache holds every write, not data a push put back");
        // And the client and the store agree after a remount.
        assertArrayEquals(expected, Files.readAllBytes(mountFresh("m2").mountpoint.resolve("g")));
    }
}
