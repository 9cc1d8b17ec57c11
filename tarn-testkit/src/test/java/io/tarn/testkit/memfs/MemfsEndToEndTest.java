package io.tarn.testkit.memfs;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory filesystem through a real mount, driven by coreutils, a bash script and Java file I/O. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MemfsEndToEndTest {
    static final Duration PROGRAM_TIMEOUT = Duration.ofSeconds(60);

    Path mnt, scratch;
    MemoryFilesystem fs;
    MountedMemfs mount;

    @BeforeAll
    void mount(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        scratch = Files.createDirectory(tmp.resolve("scratch"));
        fs = new MemoryFilesystem();
        mount = MountedMemfs.mount(mnt, fs);
    }

    @AfterAll
    void unmount() {
        if (mount != null) mount.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void bashScriptWithCoreutils() throws Exception {
        String script = """
                set -euo pipefail
                M=$1; T=$2
                cd "$M"; mkdir sh; cd sh
                head -c 3000000 /dev/urandom > "$T/r"
                cp "$T/r" a; cmp a "$T/r"
                cat a > b; cmp b "$T/r"
                dd if="$T/r" of=c bs=777 status=none; cmp c "$T/r"
                echo one > x; echo two > y; mv y x; [ "$(cat x)" = two ]; [ ! -e y ]
                ln x hard; [ "$(stat -c %h x)" = 2 ]; ln -s x soft; [ "$(readlink soft)" = x ]; [ "$(cat soft)" = two ]
                truncate -s 1000 a; [ "$(stat -c %s a)" = 1000 ]; cmp a <(head -c 1000 "$T/r")
                truncate -s 0 b; [ ! -s b ]
                dd if=/dev/zero of=sparse bs=1 count=1 seek=10000000 status=none
                [ "$(stat -c %s sparse)" = 10000001 ]; [ "$(tr -d '\\0' < sparse | wc -c)" = 0 ]
                if command -v setfattr > /dev/null; then
                  setfattr -n user.k -v v1 x; [ "$(getfattr --only-values -n user.k x)" = v1 ]; setfattr -x user.k x
                fi
                mkdir -p d/e/f; rmdir d/e/f; ls d | grep -qx e
                mv d d2; [ -d d2/e ]; ls -la > /dev/null
                rm -r d2; rm a b c x hard soft sparse
                cd ..; rmdir sh
                echo SCRIPT-OK
                """;
        Path file = Files.writeString(scratch.resolve("e2e.sh"), script);
        var r = Programs.run(PROGRAM_TIMEOUT, scratch, "bash", file.toString(), mnt.toString(), scratch.toString()).ok();
        assertTrue(r.out().contains("SCRIPT-OK"), r.out());
        assertFalse(Files.exists(mnt.resolve("sh")));
    }

    @Test
    void javaFileIo() throws Exception {
        Path d = Files.createDirectory(mnt.resolve("java"));
        byte[] data = random(5_000_000, 1);
        Path f = d.resolve("data.bin");
        Files.write(f, data);
        assertArrayEquals(data, Files.readAllBytes(f));
        assertEquals(data.length, Files.size(f));

        Path other = Files.writeString(d.resolve("other"), "replaced");
        Files.move(other, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals("replaced", Files.readString(f));
        assertFalse(Files.exists(other));

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ch.truncate(3);
            ch.write(ByteBuffer.wrap("Z".getBytes()), 3_000_000);
        }
        byte[] sparse = Files.readAllBytes(f);
        assertEquals(3_000_001, sparse.length);
        assertEquals("rep", new String(sparse, 0, 3));
        for (int i = 3; i < 3_000_000; i++) if (sparse[i] != 0) throw new AssertionError("hole not zero at " + i);
        assertEquals('Z', sparse[3_000_000]);

        Path hard = Files.createLink(d.resolve("hard"), f);
        assertEquals(2, (int) Files.getAttribute(f, "unix:nlink"));
        assertEquals(Files.getAttribute(f, "unix:ino"), Files.getAttribute(hard, "unix:ino"));
        Path link = Files.createSymbolicLink(d.resolve("link"), Path.of("data.bin"));
        assertEquals(Path.of("data.bin"), Files.readSymbolicLink(link));
        assertEquals(3_000_001, Files.size(link));

        UserDefinedFileAttributeView x = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        x.write("color", ByteBuffer.wrap("blue".getBytes()));
        assertEquals(List.of("color"), x.list());
        ByteBuffer v = ByteBuffer.allocate(16);
        x.read("color", v);
        assertEquals("blue", new String(v.array(), 0, v.position()));
        x.delete("color");
        assertTrue(x.list().isEmpty());

        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            ds.forEach(p -> names.add(p.getFileName().toString()));
        }
        assertEquals(List.of("data.bin", "hard", "link"), names.stream().sorted().toList());
        for (String n : names) Files.delete(d.resolve(n));
        Files.delete(d);
        assertFalse(Files.exists(d));
    }

    @Test
    void tenThousandEntriesInOneDirectory() throws Exception {
        Path d = Files.createDirectory(mnt.resolve("many"));
        for (int i = 0; i < 10_000; i++) Files.createFile(d.resolve("f" + i));
        var ls = Programs.run(PROGRAM_TIMEOUT, d, "bash", "-c", "ls -f | wc -l").ok();
        assertEquals("10002", ls.out().trim(), "ls -f counts . and ..");
        try (Stream<Path> s = Files.list(d)) {
            assertEquals(10_000, s.count());
        }
        assertTrue(Files.isRegularFile(d.resolve("f9999")));
        Programs.run(PROGRAM_TIMEOUT, mnt, "rm", "-rf", "many").ok();
        assertFalse(Files.exists(d));
    }

    @Test
    void largeSequentialIoReachesTheDaemonAsOneMebibyteRequests() throws Exception {
        fs.maxWrite.set(0);
        fs.maxRead.set(0);
        fs.bigWrites.reset();
        Programs.run(PROGRAM_TIMEOUT, mnt, "dd", "if=/dev/zero", "of=big", "bs=1M", "count=64", "status=none").ok();
        assertEquals(1 << 20, fs.maxWrite.get(), "largest WRITE");
        assertTrue(fs.bigWrites.sum() >= 32, "1 MiB WRITEs: " + fs.bigWrites.sum());
        Programs.run(PROGRAM_TIMEOUT, mnt, "dd", "if=big", "of=/dev/null", "bs=1M", "iflag=direct", "status=none").ok();
        assertEquals(1 << 20, fs.maxRead.get(), "largest READ");
        Files.delete(mnt.resolve("big"));
    }

    @Test
    void wholeChunkWritesAreTakenOverWithoutACopyAndReadBackIntact() throws Exception {
        byte[] data = random(24 << 20, 3), patch = random(5 << 20, 4);
        Path src = Files.write(scratch.resolve("chunks.src"), data);
        Path p = Files.write(scratch.resolve("chunks.patch"), patch);
        long before = fs.adoptedWrites.sum();
        Programs.run(PROGRAM_TIMEOUT, mnt, "dd", "if=" + src, "of=chunks", "bs=1M", "status=none").ok();
        // Overwrite chunks 3..7 in place (taken over again), then 1.5 chunks at an unaligned offset (copied).
        Programs.run(PROGRAM_TIMEOUT, mnt, "dd", "if=" + p, "of=chunks", "bs=1M", "seek=3", "conv=notrunc", "status=none").ok();
        System.arraycopy(patch, 0, data, 3 << 20, patch.length);
        Programs.run(PROGRAM_TIMEOUT, mnt, "dd", "if=" + p, "of=chunks", "bs=1536K", "count=1", "seek=5",
                "conv=notrunc", "status=none").ok();
        System.arraycopy(patch, 0, data, 5 * 1536 * 1024, 1536 * 1024);
        assertTrue(fs.adoptedWrites.sum() - before >= 20, "chunks taken over: " + (fs.adoptedWrites.sum() - before));
        try (FileChannel ch = FileChannel.open(mnt.resolve("chunks"), StandardOpenOption.READ)) {
            assertEquals(data.length, ch.size());
        }
        var sum = Programs.run(PROGRAM_TIMEOUT, mnt, "bash", "-c", "dd if=chunks bs=1M iflag=direct status=none | md5sum").ok();
        assertTrue(sum.out().startsWith(md5(data)), sum.out());
        Files.delete(mnt.resolve("chunks"));
    }

    @Test
    void concurrentReadersSeeTheSameBytes() throws Exception {
        byte[] data = random(16 << 20, 2);
        Path f = mnt.resolve("shared.bin");
        Files.write(f, data);
        String want = md5(data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                readers.add(pool.submit(() -> {
                    MessageDigest md = MessageDigest.getInstance("MD5");
                    try (FileChannel ch = FileChannel.open(f)) {
                        ByteBuffer b = ByteBuffer.allocateDirect(1 << 17);
                        while (ch.read(b) > 0) {
                            md.update(b.flip());
                            b.clear();
                        }
                    }
                    return HexFormat.of().formatHex(md.digest());
                }));
            }
            var p1 = Programs.run(PROGRAM_TIMEOUT, mnt, "md5sum", "shared.bin").ok();
            var p2 = Programs.run(PROGRAM_TIMEOUT, mnt, "bash", "-c", "cat shared.bin | md5sum").ok();
            for (Future<String> r : readers) assertEquals(want, r.get());
            assertTrue(p1.out().startsWith(want), p1.out());
            assertTrue(p2.out().startsWith(want), p2.out());
        } finally {
            pool.shutdownNow();
        }
        Files.delete(f);
    }
}
