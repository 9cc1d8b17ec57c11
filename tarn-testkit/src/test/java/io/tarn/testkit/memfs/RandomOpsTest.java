package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Opened;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random writes, truncates and reads on files in the mount and on the same files in a local
 * directory, compared byte for byte (fsx style). Files are deleted and recreated along the way so
 * recycled data chunks are reused; direct_io keeps the page cache from hiding a wrong byte.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RandomOpsTest {
    private MountedMemfs mount;

    @AfterEach
    void unmount() {
        if (mount != null) mount.close();
    }

    @Test
    void mountBehavesLikeALocalDirectory(@TempDir Path tmp) throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("mnt")), ref = Files.createDirectory(tmp.resolve("ref"));
        mount = MountedMemfs.mount(mnt, new MemoryFilesystem(Opened.DIRECT_IO), FuseConfig.defaults(),
                MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs"));
        Random rnd = new Random(20261126);
        int maxSize = 3 << 20;
        for (int round = 0; round < 6; round++) {
            String name = "f" + (round % 2);
            Path a = mnt.resolve(name), b = ref.resolve(name);
            try (FileChannel fa = FileChannel.open(a, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileChannel fb = FileChannel.open(b, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                for (int op = 0; op < 120; op++) {
                    int kind = rnd.nextInt(10);
                    if (kind < 5) {
                        long off = rnd.nextInt(maxSize);
                        byte[] data = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 400_000)];
                        rnd.nextBytes(data);
                        write(fa, off, data);
                        write(fb, off, data);
                    } else if (kind < 7) {
                        long size = rnd.nextInt(maxSize);
                        fa.truncate(size);
                        fb.truncate(size);
                        if (fa.size() < size) { // FileChannel.truncate never extends; extend like truncate(1)
                            write(fa, size - 1, new byte[1]);
                            write(fb, size - 1, new byte[1]);
                        }
                    } else {
                        long off = rnd.nextInt(maxSize);
                        int len = 1 + rnd.nextInt(300_000);
                        assertArrayEquals(read(fb, off, len), read(fa, off, len), "round " + round + " op " + op + " read at " + off);
                    }
                    assertEquals(fb.size(), fa.size(), "size after op " + op);
                }
            }
            assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(a), "whole file after round " + round);
            if (round % 2 == 1) {
                Files.delete(a); // frees its chunks for the next files to reuse
                Files.delete(b);
            }
        }
    }

    private static void write(FileChannel ch, long off, byte[] data) throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) ch.write(buf, off + buf.position());
    }

    private static byte[] read(FileChannel ch, long off, int len) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(len);
        while (buf.hasRemaining()) {
            if (ch.read(buf, off + buf.position()) < 0) break;
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }
}
