package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.fuse.mount.MountTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the mount daemon while a program is writing: everything fsynced (or otherwise acknowledged,
 * like a rename) before the kill is intact after a remount, the unsynced file reads without error, and
 * nothing hangs: the writer ends, the dead mount is aborted and detached. Once with the metadata store
 * embedded in the killed daemon (so RocksDB crashes too), once against a separate metadata server.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientCrashTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int BLOCK = 256 << 10;

    @TempDir Path tmp;
    private MountedVolume mv;
    private MetaServerProcess server;
    private Process writer;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (writer != null) writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (mv != null) mv.close();
        } finally {
            if (server != null) server.close();
        }
    }

    @Test
    void embeddedDaemonKilledAfterFsyncLosesNothingFsynced() throws Exception {
        String data = tmp.resolve("data").toString();
        Programs.tarn(T, "volume", "create", "crash", "--block-size", "256K", "--data", data).ok();
        killAfterFsyncAndRemount("--data", data);
    }

    @Test
    void clientOfAMetadataServerKilledAfterFsyncLosesNothingFsynced() throws Exception {
        server = MetaServerProcess.start(tmp.resolve("meta"));
        Programs.tarn(T, "volume", "create", "crash", "--block-size", "256K", "--meta", server.address(),
                "--store", tmp.resolve("objects").toUri().toString()).ok();
        killAfterFsyncAndRemount("--meta", server.address());
        assertTrue(server.isAlive(), "the metadata server outlives its client");
    }

    private void killAfterFsyncAndRemount(String... metaArgs) throws Exception {
        Path mnt = tmp.resolve("mnt");
        mv = MountedVolume.mount("crash", mnt, metaArgs);
        Path kept = Files.createDirectories(mnt.resolve("kept"));
        Random rnd = new Random(11);
        Map<String, byte[]> expected = new LinkedHashMap<>();
        for (int size : new int[] {0, 1, 4095, BLOCK, BLOCK + 1, 3 * BLOCK - 5, 5 * BLOCK + 77}) {
            byte[] b = random(rnd, size);
            writeAndFsync(kept.resolve("f" + size), 0, b);
            expected.put("f" + size, b);
        }
        // Overwrite across a block edge, shrink into a block, rename: each acknowledged before the kill.
        byte[] patch = random(rnd, 1000);
        writeAndFsync(kept.resolve("f" + (5 * BLOCK + 77)), 2L * BLOCK - 500, patch);
        System.arraycopy(patch, 0, expected.get("f" + (5 * BLOCK + 77)), 2 * BLOCK - 500, patch.length);
        try (FileChannel c = FileChannel.open(kept.resolve("f" + (3 * BLOCK - 5)), StandardOpenOption.WRITE)) {
            c.truncate(BLOCK + 100);
            c.force(true);
        }
        expected.put("f" + (3 * BLOCK - 5), Arrays.copyOf(expected.get("f" + (3 * BLOCK - 5)), BLOCK + 100));
        Files.move(kept.resolve("f" + BLOCK), kept.resolve("renamed"));
        expected.put("renamed", expected.remove("f" + BLOCK));

        // A file still open at the kill: its fsynced part must survive, the rest may or may not (starting dd
        // below flushes it: the child's close of its inherited copy of the descriptor sends FUSE FLUSH).
        byte[] synced = random(rnd, 2 * BLOCK + 300);
        FileChannel open = FileChannel.open(mnt.resolve("open"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        write(open, 0, synced);
        open.force(true);
        write(open, synced.length, random(rnd, BLOCK));

        // A program streaming without fsync when the daemon dies.
        writer = new ProcessBuilder("dd", "if=/dev/urandom", "of=" + mnt.resolve("unsynced"), "bs=64k", "count=100000", "status=none")
                .redirectErrorStream(true).start();
        awaitSize(mnt.resolve("unsynced"), 2L << 20);

        mv.kill();
        assertTrue(writer.waitFor(30, TimeUnit.SECONDS), "the writer hangs on the dead mount");
        assertFalse(MountTable.find(mnt).isPresent(), "the dead mount is still attached");
        try {
            open.close();
        } catch (IOException expectedOnADeadMount) {
            // The file's daemon is gone; only the descriptor is released here.
        }

        mv = MountedVolume.mount("crash", mnt, metaArgs);
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(mnt.resolve("kept").resolve(e.getKey())), "kept/" + e.getKey());
        }
        assertFalse(Files.exists(mnt.resolve("kept/f" + BLOCK)), "the renamed file is back under its old name");
        byte[] afterCrash = Files.readAllBytes(mnt.resolve("open"));
        assertTrue(afterCrash.length >= synced.length, "the open file lost fsynced bytes: size " + afterCrash.length);
        assertArrayEquals(synced, Arrays.copyOf(afterCrash, synced.length), "the fsynced part of the open file");
        // Whatever of the unsynced stream was committed must read back without an error.
        Programs.bash(T, mnt, "cat unsynced > /dev/null").ok();
        System.out.printf("ClientCrashTest %s: %d fsynced files intact; unsynced file has %d bytes after the crash%n",
                metaArgs[0], expected.size(), Files.size(mnt.resolve("unsynced")));
    }

    /** Waits until the file has at least {@code bytes} bytes; fails if the writer ends first. */
    private void awaitSize(Path file, long bytes) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.size(file) >= bytes) return;
            if (writer.waitFor(10, TimeUnit.MILLISECONDS))
                throw new AssertionError("dd ended early: " + new String(writer.getInputStream().readAllBytes()));
        }
        throw new AssertionError(file + " did not reach " + bytes + " bytes within " + T);
    }

    private static void writeAndFsync(Path p, long offset, byte[] data) throws IOException {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            write(c, offset, data);
            c.force(true);
        }
    }

    private static void write(FileChannel c, long offset, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) c.write(b, offset + b.position());
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
