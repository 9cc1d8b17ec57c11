package io.tarn.testkit.memfs;

import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A daemon process is replaced by a new one while a reader holds an open file and a shell has its
 * working directory in the mount: neither sees an error, both see the same bytes, the mount stays.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HandoffTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Process> daemons = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private Process shell;
    private Path mnt;

    /** Runs even when the test thread is stuck on the mount: aborting the connection unblocks it. */
    @AfterEach
    void cleanUp() throws Exception {
        stop.set(true);
        if (shell != null) shell.destroyForcibly();
        for (Process p : daemons) {
            p.destroy(); // SIGTERM: the daemon unmounts in its shutdown hook
            if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (mnt != null && MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isPresent()) Mounter.forceUnmount(mnt);
        if (mnt != null) assertTrue(MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isEmpty(), "mount left behind");
    }

    @ParameterizedTest(name = "workers in {0} mode")
    @ValueSource(strings = {"read", "poll", "spin"})
    void readerKeepsReadingWhileTheDaemonIsReplaced(String mode, @TempDir Path tmp) throws Exception {
        String[] extra = switch (mode) {
            case "poll" -> new String[] {"--poll"};
            case "spin" -> new String[] {"--spin", "20"};
            default -> new String[0];
        };
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        Thread reader = null;
        try {
            Process a = daemon(mnt, tmp.resolve("a.err"), "--handoff", extra);
            daemons.add(a);
            awaitReady(a);
            int mountId = MountTable.find(mnt).orElseThrow().id();

            byte[] data = new byte[2 << 20];
            new Random(7).nextBytes(data);
            Path dir = Files.createDirectory(mnt.resolve("dir"));
            Files.write(dir.resolve("data.bin"), data);
            Files.write(tmp.resolve("expected.bin"), data);

            AtomicLong reads = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            FileChannel ch = FileChannel.open(dir.resolve("data.bin"));
            reader = Thread.ofPlatform().name("handoff-reader").start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(64 << 10);
                byte[] got = new byte[64 << 10];
                try (ch) {
                    for (long i = 0; !stop.get(); i++) {
                        int off = (int) ((i * 7919 * 4096) % (data.length - got.length));
                        b.clear();
                        while (b.hasRemaining()) {
                            if (ch.read(b, off + b.position()) < 0) throw new IOException("early EOF at " + off);
                        }
                        b.flip().get(got);
                        if (!Arrays.equals(got, 0, got.length, data, off, off + got.length)) {
                            throw new AssertionError("different bytes at offset " + off);
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            // A program whose working directory is inside the mount, reading by relative path until told to stop.
            shell = new ProcessBuilder("bash", "-c", """
                    want=$(md5sum < "$1" | cut -c1-32); n=0
                    while [ ! -e stop ]; do
                      got=$(md5sum < data.bin | cut -c1-32) || exit 3
                      [ "$got" = "$want" ] || exit 4
                      n=$((n+1))
                    done
                    echo "shell reads: $n"
                    """, "reader", tmp.resolve("expected.bin").toString())
                    .directory(dir.toFile()).redirectErrorStream(true).start();

            awaitCondition(() -> reads.get() >= 50 || failure.get() != null, "reads before the handoff");
            Process b = daemon(mnt, tmp.resolve("b.err"), "--takeover", extra);
            daemons.add(b);
            awaitReady(b);
            assertTrue(a.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "old daemon did not exit after the handoff");
            assertEquals(0, a.exitValue());
            assertTrue(Files.readString(tmp.resolve("a.err")).contains("handed off"), Files.readString(tmp.resolve("a.err")));
            long atHandoff = reads.get();
            awaitCondition(() -> reads.get() >= atHandoff + 50 || failure.get() != null, "reads after the handoff");

            assertEquals(mountId, MountTable.find(mnt).orElseThrow().id(), "the same mount before and after");
            Process sh = shell;
            assertTrue(sh.isAlive(), () -> "the shell failed: " + Programs.drain(sh.getInputStream()));
            Files.createFile(dir.resolve("stop"));
            assertTrue(shell.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "shell did not stop");
            String out = Programs.drain(shell.getInputStream());
            assertEquals(0, shell.exitValue(), out);
            stop.set(true);
            reader.join(WAIT.toMillis());
            assertNull(failure.get(), () -> "reader failed: " + failure.get());
            assertTrue(Arrays.equals(data, Files.readAllBytes(dir.resolve("data.bin"))));
        } finally {
            stop.set(true);
            if (reader != null) reader.join(WAIT.toMillis());
        }
    }

    private static Process daemon(Path mnt, Path stderr, String role, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Programs.java(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", Programs.classpath(), MemfsMain.class.getName(), mnt.toString(), "--direct-io"));
        cmd.add(role);
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    }

    private static void awaitReady(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (line == null || !line.startsWith("READY")) throw new AssertionError("daemon did not start: " + line);
    }

    private static void awaitCondition(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000); // poll the condition, leave the CPUs to the daemons
        }
    }
}
