package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block objects damaged in the store, behind Tarn's back (a flipped byte in the payload, in the header,
 * in a compressed block; an object cut short): reading that part of the file fails with EIO, the daemon
 * log names the object, every other block and file still reads, and no read ever returns wrong bytes.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CorruptBlockTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int BLOCK = 256 << 10;

    /** What is done to the object of each block of file {@code a}; block 3 stays intact. */
    private enum Damage { FLIP_PAYLOAD, TRUNCATE, FLIP_COMPRESSED, NONE, FLIP_HEADER }

    @TempDir Path tmp;
    private MountedVolume mv;

    @AfterEach
    void unmount() throws Exception {
        if (mv != null) mv.close();
    }

    @Test
    void damagedBlockObjectsFailTheirReadsWithEioAndNeverGiveWrongBytes() throws Exception {
        Path data = tmp.resolve("data"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "bad", "--block-size", "256K", "--data", data.toString()).ok();
        mv = MountedVolume.mount("bad", mnt, "--data", data.toString());
        Path objects = data.resolve("objects");

        Random rnd = new Random(21);
        Damage[] damages = Damage.values();
        byte[] a = new byte[damages.length * BLOCK];
        Path[] objectOf = new Path[damages.length];
        try (FileChannel c = FileChannel.open(mnt.resolve("a"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int k = 0; k < damages.length; k++) {
                byte[] block = new byte[BLOCK];
                if (damages[k] == Damage.FLIP_COMPRESSED) {
                    byte[] text = ("block " + k + " compresses well; ").getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < BLOCK; i++) block[i] = text[i % text.length];
                } else {
                    rnd.nextBytes(block);
                }
                System.arraycopy(block, 0, a, k * BLOCK, BLOCK);
                // One block per fsync, so the one new object in the store is this block's.
                Set<Path> before = blockObjects(objects);
                c.write(ByteBuffer.wrap(block), (long) k * BLOCK);
                c.force(true);
                Set<Path> added = blockObjects(objects);
                added.removeAll(before);
                assertEquals(1, added.size(), "objects added by the fsync of block " + k + ": " + added);
                objectOf[k] = added.iterator().next();
            }
        }
        byte[] b = new byte[300_000];
        rnd.nextBytes(b);
        Files.write(mnt.resolve("b"), b);

        mv.close(); // so that no decoded block is cached in the daemon
        mv = null;
        for (int k = 0; k < damages.length; k++) damage(objectOf[k], damages[k]);
        mv = MountedVolume.mount("bad", mnt, "--data", data.toString());

        Programs.Result cat = Programs.bash(T, mnt, "cat a > /dev/null");
        assertNotEquals(0, cat.exit(), "cat of a file with damaged blocks succeeded");
        assertTrue(cat.err().contains("Input/output error"), cat.err());

        for (int k = 0; k < damages.length; k++) {
            Path out = tmp.resolve("block-" + k);
            // fullblock: a read may return the part that is already in the page cache and fail only on the next one.
            Programs.Result dd = Programs.run(T, mnt, List.of("dd", "if=a", "of=" + out, "bs=256K", "skip=" + k, "count=1",
                    "iflag=fullblock", "status=none"));
            byte[] want = Arrays.copyOfRange(a, k * BLOCK, (k + 1) * BLOCK);
            if (damages[k] == Damage.NONE) {
                assertEquals(0, dd.exit(), "the intact block " + k + " does not read: " + dd.err());
                assertArrayEquals(want, Files.readAllBytes(out), "block " + k);
            } else {
                if (dd.exit() == 0) {
                    byte[] got = Files.readAllBytes(out);
                    throw new AssertionError("block " + k + " (" + damages[k] + ") read without an error; bytes "
                            + (Arrays.equals(want, got) ? "right" : "WRONG at " + Arrays.mismatch(want, got) + " of " + got.length)
                            + "; object now " + Files.size(objectOf[k]) + " bytes\n" + mv.logText());
                }
                assertTrue(dd.err().contains("Input/output error"), "block " + k + ": " + dd.err());
                String name = objectOf[k].getFileName().toString();
                assertTrue(mv.logText().contains(name), "the daemon log does not name object " + name + ":\n" + mv.logText());
            }
            assertOnlyRightBytesOrEio(mnt.resolve("a"), a, k);
        }
        assertArrayEquals(b, Files.readAllBytes(mnt.resolve("b")), "another file of the volume");
        Files.writeString(mnt.resolve("c"), "the volume still works");
        assertEquals("the volume still works", Files.readString(mnt.resolve("c")));
    }

    /** Small reads all over block {@code k}: each either fails with an I/O error or returns exactly the written bytes. */
    private static void assertOnlyRightBytesOrEio(Path file, byte[] all, int k) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            for (int off : new int[] {0, 4096, 70_000, BLOCK / 2, BLOCK - 4096}) {
                long at = (long) k * BLOCK + off;
                byte[] got = new byte[4096];
                try {
                    raf.seek(at);
                    raf.readFully(got);
                } catch (IOException eio) {
                    continue; // the error is the right answer for a damaged part
                }
                assertArrayEquals(Arrays.copyOfRange(all, (int) at, (int) at + 4096), got, "4 KiB read at " + at + " returned wrong bytes");
            }
        }
    }

    private static Set<Path> blockObjects(Path objects) throws IOException {
        if (!Files.exists(objects)) return new HashSet<>();
        try (Stream<Path> s = Files.walk(objects)) {
            return new HashSet<>(s.filter(Files::isRegularFile).filter(p -> p.toString().contains("/blocks/")).toList());
        }
    }

    private static void damage(Path object, Damage how) throws IOException {
        byte[] o = Files.readAllBytes(object);
        switch (how) {
            case FLIP_PAYLOAD -> o[o.length / 2] ^= 0x01;
            case FLIP_COMPRESSED -> o[o.length - 10] ^= 0x40;
            case FLIP_HEADER -> o[1] ^= 0x10;
            case TRUNCATE -> o = Arrays.copyOf(o, o.length / 2);
            case NONE -> { }
        }
        Files.write(object, o);
    }
}
