package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation of a working volume, driven through a real mount by ordinary programs and Java I/O.
 * One subclass per kind of object store ({@link MountOperationsTest} local, {@code S3MountOperationsTest}
 * on S3Proxy): each says how its volume is mounted, the cases are the same.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MountOperations {
    static final Duration T = Duration.ofSeconds(60);
    @TempDir static Path tmp;
    MountedVolume mv;
    Path mnt;

    /** Mounts a fresh volume at {@code mnt}, using {@code tmp} for anything it needs on disk. */
    abstract MountedVolume mountVolume(Path tmp, Path mnt) throws Exception;

    @BeforeAll
    void mount() throws Exception {
        mnt = tmp.resolve("mnt");
        mv = mountVolume(tmp, mnt);
    }

    /** Stops whatever {@link #mountVolume} started for the store; runs after the unmount, in every outcome. */
    void stopStore() throws Exception {}

    @AfterAll
    void unmount() throws Exception {
        try {
            if (mv != null) mv.close();
        } finally {
            stopStore();
        }
    }

    @Test
    void coreutilsCreateCopyMoveLinkAndRemove() throws Exception {
        Programs.bash(T, mnt, """
                mkdir -p core/a/b
                echo hello > core/a/greeting
                cat core/a/greeting | grep -qx hello
                cp core/a/greeting core/a/b/copy
                cmp core/a/greeting core/a/b/copy
                echo more >> core/a/b/copy
                test "$(wc -l < core/a/b/copy)" -eq 2
                mv core/a/b/copy core/moved
                test ! -e core/a/b/copy
                ln -s ../moved core/a/link
                test "$(readlink core/a/link)" = ../moved
                test "$(cat core/a/link | head -1)" = hello
                rm core/a/link core/moved core/a/greeting
                rmdir core/a/b core/a
                test -z "$(ls core)"
                """).ok();
    }

    @Test
    void renameReplacesAtomically() throws Exception {
        Path d = Files.createDirectories(mnt.resolve("rename"));
        Files.writeString(d.resolve("old"), "old contents");
        Files.writeString(d.resolve("new"), "new contents");
        Files.move(d.resolve("new"), d.resolve("old"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertEquals("new contents", Files.readString(d.resolve("old")));
        assertFalse(Files.exists(d.resolve("new")));
        Files.createDirectories(d.resolve("dir/sub"));
        Files.writeString(d.resolve("dir/sub/f"), "x");
        Files.move(d.resolve("dir"), d.resolve("dir2"));
        assertEquals("x", Files.readString(d.resolve("dir2/sub/f")));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(d.resolve("dir2")));
        assertThrows(NoSuchFileException.class, () -> Files.readString(d.resolve("dir/sub/f")));
    }

    @Test
    void ddWritesAtOffsetsAndLargeFilesVerify() throws Exception {
        Programs.bash(T, mnt, """
                mkdir -p dd
                head -c 20000000 /dev/urandom > %1$s/src
                dd if=%1$s/src of=dd/big bs=1M conv=fsync status=none
                cmp %1$s/src dd/big
                printf 'XYZ' | dd of=dd/big bs=1 seek=5000000 conv=notrunc status=none
                printf 'XYZ' | dd of=%1$s/src bs=1 seek=5000000 conv=notrunc status=none
                cmp %1$s/src dd/big
                dd if=dd/big of=%1$s/back bs=777 status=none
                cmp %1$s/src %1$s/back
                """.formatted(tmp)).ok();
    }

    @Test
    void truncateGrowsSparseAndShrinks() throws Exception {
        Path f = Files.createDirectories(mnt.resolve("trunc")).resolve("f");
        Files.writeString(f, "abcdefghij");
        Programs.bash(T, mnt, "truncate -s 3 trunc/f && truncate -s 9000000 trunc/f").ok();
        byte[] all = Files.readAllBytes(f);
        assertEquals(9_000_000, all.length);
        assertEquals("abc", new String(all, 0, 3));
        for (int i = 3; i < all.length; i++) if (all[i] != 0) throw new AssertionError("byte " + i + " is not zero");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(2);
        }
        assertEquals("ab", Files.readString(f));
    }

    @Test
    void attributesChmodChownUtimens() throws Exception {
        Path f = Files.createDirectories(mnt.resolve("attrs")).resolve("f");
        Files.writeString(f, "x");
        Programs.bash(T, mnt, """
                chmod 640 attrs/f
                test "$(stat -c %a attrs/f)" = 640
                chown 1234:5678 attrs/f
                test "$(stat -c %u:%g attrs/f)" = 1234:5678
                touch -m -d '2001-02-03 04:05:06.123456789 UTC' attrs/f
                test "$(stat -c %y attrs/f)" = '2001-02-03 04:05:06.123456789 +0000'
                mkdir attrs/d && chmod 1777 attrs/d && test "$(stat -c %a attrs/d)" = 1777
                """).ok();
        assertEquals(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                java.nio.file.attribute.PosixFilePermission.GROUP_READ), Files.getPosixFilePermissions(f));
    }

    @Test
    void shellRedirectionAppendAndRead() throws Exception {
        Programs.bash(T, mnt, """
                mkdir -p shell
                for i in $(seq 1 200); do echo "line $i" >> shell/log; done
                test "$(wc -l < shell/log)" -eq 200
                test "$(tail -1 shell/log)" = "line 200"
                exec 3>shell/fd; echo one >&3; echo two >&3; exec 3>&-
                test "$(cat shell/fd)" = "$(printf 'one\\ntwo')"
                """).ok();
    }

    @Test
    void unlinkedOpenFileStaysReadableUntilClosed() throws Exception {
        Path f = Files.createDirectories(mnt.resolve("orphan")).resolve("f");
        byte[] data = new byte[3_000_000];
        new Random(7).nextBytes(data);
        Files.write(f, data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Files.delete(f);
            assertFalse(Files.exists(f));
            ByteBuffer back = ByteBuffer.allocate(data.length);
            while (back.hasRemaining() && ch.read(back) >= 0) { }
            assertArrayEquals(data, back.array());
        }
    }

    @Test
    void javaRandomAccessWritesAndFsync() throws Exception {
        Path f = Files.createDirectories(mnt.resolve("java")).resolve("f");
        byte[] expect = new byte[6 * 1024 * 1024];
        Random r = new Random(11);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            for (int i = 0; i < 200; i++) {
                int off = r.nextInt(expect.length - 5000), len = 1 + r.nextInt(4999);
                byte[] chunk = new byte[len];
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, expect, off, len);
                ch.write(ByteBuffer.wrap(chunk), off);
                if (i % 50 == 0) ch.force(true);
            }
            ch.write(ByteBuffer.wrap(new byte[] {expect[expect.length - 1]}), expect.length - 1);
            ch.force(true);
        }
        assertArrayEquals(expect, Files.readAllBytes(f));
    }

    @Test
    void directoryListingsAndReaddirplus() throws Exception {
        Path d = Files.createDirectories(mnt.resolve("list"));
        for (int i = 0; i < 1500; i++) Files.createFile(d.resolve(String.format("f%05d", i)));
        try (Stream<Path> s = Files.list(d)) {
            assertEquals(1500, s.count());
        }
        String ls = Programs.bash(T, d, "ls -l | wc -l").ok().out().strip();
        assertEquals("1501", ls); // "total" line + entries
        Set<String> names;
        try (Stream<Path> s = Files.list(d)) {
            names = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertTrue(names.contains("f00000") && names.contains("f01499"));
    }

    @Test
    void statfsAndPermissionsOfNewFiles() throws Exception {
        Path d = Files.createDirectories(mnt.resolve("statfs"));
        Files.createFile(d.resolve("f"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("f"))));
        String df = Programs.bash(T, mnt, "stat -f -c '%T %l' .").ok().out().strip();
        assertEquals("fuseblk 255", df.replace("fuse ", "fuseblk "));
    }

    @Test
    void readlinkAndDanglingSymlinks() throws Exception {
        Path d = Files.createDirectories(mnt.resolve("links"));
        String target = "x".repeat(1000) + "/nowhere";
        Files.createSymbolicLink(d.resolve("dangling"), Path.of(target));
        assertEquals(target, Files.readSymbolicLink(d.resolve("dangling")).toString());
        assertFalse(Files.exists(d.resolve("dangling")));
        assertThrows(IOException.class, () -> Files.readString(d.resolve("dangling")));
    }
}
