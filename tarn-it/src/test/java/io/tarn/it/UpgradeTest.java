package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.cli.mount.MountRecord;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tarn upgrade}: the daemon serving a mount is replaced by a new process while a program keeps
 * a file open and reads it, and another keeps its working directory in the mount. Neither sees an
 * error, the bytes are the same, and the mount never goes away.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UpgradeTest {
    private static final Duration T = Duration.ofSeconds(120);
    @TempDir Path tmp;

    @Test
    void readerAndWorkingDirectorySurviveTwoUpgradesOfAnEmbeddedMount() throws Exception {
        Path mnt = tmp.resolve("mnt");
        String data = tmp.resolve("data").toString();
        byte[] content = new byte[24 << 20];
        new Random(3).nextBytes(content);
        try (MountedVolume mv = MountedVolume.mount("up", mnt, "--data", data)) {
            try {
                Files.createDirectories(mnt.resolve("work"));
                Files.write(mnt.resolve("work/file"), content);
                int mountId = MountTable.find(mnt).orElseThrow().id();
                long firstPid = awaitRecord(mnt, -1);

                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong passes = new AtomicLong();
                CompletableFuture<Void> reader = new CompletableFuture<>();
                Thread.ofPlatform().name("reader").start(() -> {
                    try {
                        readUntilStopped(mnt.resolve("work/file"), content, stop, passes);
                        reader.complete(null);
                    } catch (Throwable t) {
                        reader.completeExceptionally(t);
                    }
                });
                long before = passes.get();
                Programs.Result up1 = Programs.tarn(T, "upgrade", mnt.toString()).ok();
                long secondPid = awaitRecord(mnt, firstPid);
                assertTrue(up1.out().contains("now served by pid " + secondPid), up1.out());
                // A shell whose working directory is in the mount, across the second upgrade.
                Process shell = new ProcessBuilder("bash", "-c",
                        "read -r go; ls >/dev/null; test \"$(wc -c < file)\" -eq " + content.length + "; echo done > after")
                        .directory(mnt.resolve("work").toFile()).start();
                Programs.tarn(T, "upgrade", mnt.toString()).ok();
                long thirdPid = awaitRecord(mnt, secondPid);
                shell.getOutputStream().write("go\n".getBytes());
                shell.getOutputStream().close();
                assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "shell in the mount did not finish");
                assertEquals(0, shell.exitValue(), new String(shell.getErrorStream().readAllBytes()));
                awaitPasses(passes, before + 2);
                stop.set(true);
                reader.get(60, TimeUnit.SECONDS);

                assertEquals(mountId, MountTable.find(mnt).orElseThrow().id(), "the mount must stay the same");
                assertNotEquals(firstPid, thirdPid);
                assertEquals("done", Files.readString(mnt.resolve("work/after")).strip());
                assertArrayEquals(content, Files.readAllBytes(mnt.resolve("work/file")));
                assertTrue(Programs.tarn(T, "volume", "list", "--data", data).ok().out().contains("up"));
            } finally {
                stopSuccessor(mnt);
            }
        }
    }

    /**
     * Locks held through an upgrade of an embedded mount stay held: the successor takes the client's
     * lock copy over and re-asserts it to the embedded server that moved with it, and a second mount
     * of the same store (a client of that server) can take them only after they are released.
     */
    @Test
    void locksSurviveAnUpgradeOfAnEmbeddedMount() throws Exception {
        Path m1 = tmp.resolve("m1"), m2 = tmp.resolve("m2");
        String data = tmp.resolve("data").toString();
        try (MountedVolume first = MountedVolume.mount("up", m1, "--data", data)) {
            try (MountedVolume second = MountedVolume.mount("up", m2, "--data", data);
                 LockAgent a = LockAgent.start(); LockAgent b = LockAgent.start()) {
                Files.writeString(m1.resolve("locked"), "x");
                assertEquals("ok", a.call("open f " + m1.resolve("locked")));
                assertEquals("ok", b.call("open f " + m2.resolve("locked")));
                assertEquals("ok", a.call("fcntl f setlk wr 0 0"));
                assertEquals("ok", a.call("flock f ex"));
                assertEquals("err EAGAIN", b.call("fcntl f setlk rd 0 1"));
                long firstPid = awaitRecord(m1, -1);
                Programs.tarn(T, "upgrade", m1.toString()).ok();
                awaitRecord(m1, firstPid);
                // While the moved server waits for its old sessions to reclaim, GETLK may answer ENOLCK;
                // it must never say the file is free.
                long deadline = System.nanoTime() + T.toNanos();
                String seen;
                while (!(seen = b.call("fcntl f getlk wr 0 0")).startsWith("wr ") && System.nanoTime() < deadline) {
                    assertEquals("err ENOLCK", seen, "a lock held through the upgrade was lost");
                }
                assertEquals("wr 0 0 " + a.pid, seen);
                assertEquals("err EAGAIN", b.call("flock f ex nb"));
                assertEquals("ok", a.call("fcntl f setlk un 0 0"));
                assertEquals("ok", a.call("close f"));
                assertEquals("ok", b.call("fcntl f setlk wr 0 0"), "the successor released the lock on unlock");
                deadline = System.nanoTime() + T.toNanos();
                while (!(seen = b.call("flock f ex nb")).equals("ok") && System.nanoTime() < deadline) {
                    assertEquals("err EAGAIN", seen); // the last close reaches the daemon as an asynchronous RELEASE
                }
                assertEquals("ok", seen, "the successor released the flock at the last close");
            } finally {
                stopSuccessor(m1);
            }
        }
    }

    /** Reads the file over and over through one open descriptor, checking every pass. */
    private static void readUntilStopped(Path file, byte[] expect, AtomicBoolean stop, AtomicLong passes) {
        byte[] buf = new byte[expect.length];
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            while (!stop.get()) {
                int n = 0;
                while (n < buf.length) {
                    int r = ch.read(java.nio.ByteBuffer.wrap(buf, n, Math.min(64 << 10, buf.length - n)), n);
                    if (r < 0) break;
                    n += r;
                }
                if (n != buf.length || !Arrays.equals(buf, expect)) throw new AssertionError("pass " + passes.get() + " read wrong bytes");
                passes.incrementAndGet();
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("reader saw an error: " + e, e);
        }
    }

    private static void awaitPasses(AtomicLong passes, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (passes.get() < atLeast) {
            if (System.nanoTime() > deadline) throw new AssertionError("reader made no progress");
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** Waits until the mount's daemon record names a live process other than {@code previous}; returns its pid. */
    static long awaitRecord(Path mnt, long previous) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            var rec = MountRecord.read(mnt);
            if (rec.isPresent() && rec.get().pid() != previous && ProcessHandle.of(rec.get().pid()).isPresent()) return rec.get().pid();
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError("no daemon record for " + mnt);
    }

    /** The successor is not a child of this test: unmount and make sure it ends. */
    static void stopSuccessor(Path mnt) throws Exception {
        var rec = MountRecord.read(mnt);
        if (MountTable.find(mnt).isPresent() && !Mounter.unmount(mnt, false)) Mounter.forceUnmount(mnt);
        if (rec.isPresent()) {
            var h = ProcessHandle.of(rec.get().pid());
            if (h.isPresent()) {
                try {
                    h.get().onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    h.get().destroyForcibly();
                    throw new AssertionError("the successor daemon did not exit after unmount");
                }
            }
        }
    }
}
