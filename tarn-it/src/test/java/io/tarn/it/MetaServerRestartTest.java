package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata server ({@code tarn meta} in a child JVM) is stopped and started again on the same port
 * and data folder under a mount that uses {@code --meta}. Acknowledged mutations survive a kill -9, the
 * mount rides through every restart, and applications running through it (fsynced writes, namespace
 * operations, a {@code dd} with O_DSYNC) see no error, only a pause, which is measured and printed.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MetaServerRestartTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int RECORD = 4096;

    @TempDir Path tmp;
    private MetaServerProcess server;
    private MountedVolume mv, fresh;
    private PauseProbeProcess probe;
    private TimedLoop ddFeed;
    private Process dd;

    @BeforeEach
    void serveAndMount() throws Exception {
        server = MetaServerProcess.start(tmp.resolve("meta"));
        Programs.tarn(T, "volume", "create", "v", "--block-size", "256K", "--meta", server.address(),
                "--store", tmp.resolve("objects").toUri().toString()).ok();
        mv = MountedVolume.mount("v", tmp.resolve("mnt"), "--meta", server.address());
    }

    @AfterEach
    void stopAll() throws Exception {
        try {
            if (probe != null) probe.close();
            if (ddFeed != null) ddFeed.close();
            if (dd != null) dd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (fresh != null) fresh.close();
            if (mv != null) mv.close();
        } finally {
            if (server != null) server.close();
        }
    }

    @Test
    void everyAcknowledgedMutationSurvivesKill9OfTheServer() throws Exception {
        Path m = mv.mountpoint;
        Files.createDirectories(m.resolve("a/b"));
        Files.createFile(m.resolve("a/b/empty"));
        crash();
        assertEquals("empty\n", ls(m, "a/b"));

        byte[] data = new byte[600_000];
        new Random(3).nextBytes(data);
        try (FileChannel c = FileChannel.open(m.resolve("a/data"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(data));
            c.force(true);
            crash(); // while the file is still open: the fsync is what was acknowledged
        }
        assertArrayEquals(data, Files.readAllBytes(m.resolve("a/data")));

        Files.writeString(m.resolve("a/b/moved"), "to be replaced");
        Files.move(m.resolve("a/data"), m.resolve("a/b/moved"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        crash();
        assertEquals("b\n", ls(m, "a"));
        assertEquals("empty\nmoved\n", ls(m, "a/b"));

        Files.setPosixFilePermissions(m.resolve("a/b/moved"), PosixFilePermissions.fromString("rw-------"));
        Files.delete(m.resolve("a/b/empty"));
        crash();
        assertEquals("moved\n", ls(m, "a/b"));

        // The still-mounted client rode through four crashes; a fresh mount sees exactly the same.
        fresh = MountedVolume.mount("v", tmp.resolve("fresh"), "--meta", server.address());
        for (Path root : List.of(m, fresh.mountpoint)) {
            assertEquals("b\n", ls(root, "a"));
            assertEquals("moved\n", ls(root, "a/b"));
            assertArrayEquals(data, Files.readAllBytes(root.resolve("a/b/moved")));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/b/moved"))));
        }
    }

    @Test
    void applicationsRideThroughSigtermAndKill9RestartsWithoutErrors() throws Exception {
        Path m = mv.mountpoint;
        probe = PauseProbeProcess.start(m.resolve("probe"), "fsync,meta");
        Path fifo = tmp.resolve("fifo");
        Programs.run(T, null, List.of("mkfifo", fifo.toString())).ok();
        dd = new ProcessBuilder("dd", "if=" + fifo, "of=" + m.resolve("dd"), "bs=4k", "iflag=fullblock", "oflag=dsync", "status=none")
                .redirectErrorStream(true).start();
        // The feeder writes to a pipe on the local disk, so this JVM holds nothing open on the mount.
        FileOutputStream feed = new FileOutputStream(fifo.toFile()); // opens once dd has opened its end
        ddFeed = TimedLoop.start("dd", i -> feed.write(record(i)));

        awaitProgress(40);
        List<String> report = new ArrayList<>();
        report.add(restart("SIGTERM", false));
        report.add(restart("kill -9", true));
        List<PauseProbeProcess.Done> done = probe.stop(T);
        ddFeed.stop(T);
        feed.close();
        assertTrue(dd.waitFor(60, TimeUnit.SECONDS), "dd did not finish after its input ended");
        assertEquals(0, dd.exitValue(), "dd failed: " + new String(dd.getInputStream().readAllBytes()));

        // Everything the applications were told is done is there, through a fresh mount.
        fresh = MountedVolume.mount("v", tmp.resolve("fresh"), "--meta", server.address());
        Path seen = fresh.mountpoint;
        long records = ops(done, "fsync"), renamed = ops(done, "meta");
        checkRecords(seen.resolve("probe/records"), records);
        byte[] ddOut = Files.readAllBytes(seen.resolve("dd"));
        assertEquals(ddFeed.count() * RECORD, ddOut.length, "dd's output size");
        checkRecords(seen.resolve("dd"), ddFeed.count());
        for (long i = 0; i < renamed; i++) {
            assertTrue(Files.exists(seen.resolve("probe/names/r" + i)), "names/r" + i + " is missing");
            assertFalse(Files.exists(seen.resolve("probe/names/n" + i)), "names/n" + i + " is back");
        }
        report.forEach(System.out::println);
        System.out.printf("whole run: %s; dd wrote %d records; longest dd feed wait %d ms%n", done, ddFeed.count(),
                ddFeed.longestNanos() / 1_000_000);
    }

    /**
     * A mounted {@code --at} view rides through a kill -9 and a SIGTERM restart of the server like a live
     * mount: the server resumes the view at the same instant under the same session (ADR 0081), so files,
     * directories and contents never read before the restart read as they were at that instant.
     */
    @Test
    void aTimeTravelViewRidesThroughServerRestarts() throws Exception {
        Path m = mv.mountpoint;
        Random rnd = new Random(5);
        Files.createDirectories(m.resolve("d"));
        Files.createDirectories(m.resolve("e"));
        for (String f : List.of("a.bin", "d/b.bin", "e/c.bin", "e/g.bin")) {
            byte[] b = new byte[300_000 + rnd.nextInt(300_000)];
            rnd.nextBytes(b);
            Files.write(m.resolve(f), b);
        }
        java.time.Instant at = java.time.Instant.now().plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        while (!java.time.Instant.now().isAfter(at.plusMillis(50))) java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        java.util.Map<String, byte[]> then = new java.util.TreeMap<>();
        for (String f : List.of("a.bin", "d/b.bin", "e/c.bin", "e/g.bin")) then.put(f, Files.readAllBytes(m.resolve(f)));
        Files.write(m.resolve("a.bin"), new byte[1000]);
        Files.delete(m.resolve("d/b.bin"));
        Files.delete(m.resolve("e/c.bin"));
        Files.write(m.resolve("new.bin"), new byte[10]);

        fresh = MountedVolume.mount("v", tmp.resolve("view"), "--meta", server.address(), "--at", at.toString());
        Path view = fresh.mountpoint;
        assertEquals("a.bin\nd\ne\n", ls(view, "."));
        assertArrayEquals(then.get("a.bin"), Files.readAllBytes(view.resolve("a.bin")));

        crash();
        server.awaitLog("resumed the view", T);
        assertEquals("b.bin\n", ls(view, "d"), "a directory first listed after the restart");
        assertArrayEquals(then.get("d/b.bin"), Files.readAllBytes(view.resolve("d/b.bin")));
        assertTrue(ls(m, ".").contains("new.bin"), "the live mount rode through too");
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Files.writeString(view.resolve("x"), "x"));
        assertTrue(String.valueOf(refused.getMessage()).contains("Read-only"), refused.toString());

        server.terminate();
        server.restart();
        assertEquals("c.bin\ng.bin\n", ls(view, "e"));
        assertArrayEquals(then.get("e/c.bin"), Files.readAllBytes(view.resolve("e/c.bin")));
        assertArrayEquals(then.get("e/g.bin"), Files.readAllBytes(view.resolve("e/g.bin")));
        server.awaitLog("resumed the view", T);
    }

    /** Stops the server (SIGTERM or SIGKILL), starts it again, waits for every application to move on. */
    private String restart(String how, boolean kill) throws Exception {
        long t0 = System.currentTimeMillis(), n0 = System.nanoTime();
        if (kill) server.kill9();
        else server.terminate();
        long stopped = System.nanoTime();
        server.restart();
        long back = System.nanoTime();
        awaitProgress(40);
        long t1 = System.currentTimeMillis();
        return String.format("restart by %s: server stopped in %d ms, serving again %d ms later; longest operation: "
                        + "fsync %.0f ms, namespace %.0f ms, dd feed %d ms",
                how, (stopped - n0) / 1_000_000, (back - stopped) / 1_000_000,
                probe.longestWithin("fsync", t0, t1), probe.longestWithin("meta", t0, t1),
                ddFeed.longestWithin(n0, System.nanoTime()) / 1_000_000);
    }

    /** Waits until every application has done {@code n} more operations from now. */
    private void awaitProgress(int n) throws InterruptedException {
        long fsync = probe.progress("fsync"), meta = probe.progress("meta"), fed = ddFeed.count();
        probe.awaitProgress("fsync", fsync + n, T);
        probe.awaitProgress("meta", meta + n, T);
        ddFeed.awaitCount(fed + n, T);
    }

    private static long ops(List<PauseProbeProcess.Done> done, String mode) {
        return done.stream().filter(d -> d.mode().equals(mode)).findFirst().orElseThrow().ops();
    }

    private void crash() throws Exception {
        server.kill9();
        server.restart();
    }

    /** {@code ls} through the mount: a directory read goes to the daemon and from there to the server. */
    private static String ls(Path root, String dir) throws Exception {
        return Programs.run(T, root, List.of("ls", dir)).ok().out();
    }

    /** 4 KiB record {@code i}: its number repeated, so a record in the wrong place or torn shows. */
    private static byte[] record(long i) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        while (b.hasRemaining()) b.putLong(i);
        return b.array();
    }

    private static void checkRecords(Path file, long acknowledged) throws IOException {
        byte[] all = Files.readAllBytes(file);
        assertTrue(all.length >= acknowledged * RECORD, file + ": " + all.length + " bytes, " + acknowledged + " records acknowledged");
        for (long i = 0; i < acknowledged; i++) {
            byte[] got = java.util.Arrays.copyOfRange(all, (int) (i * RECORD), (int) ((i + 1) * RECORD));
            assertArrayEquals(record(i), got, file.getFileName() + " record " + i);
        }
    }
}
