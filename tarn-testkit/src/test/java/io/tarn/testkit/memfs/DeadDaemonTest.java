package io.tarn.testkit.memfs;

import io.tarn.api.Attr;
import io.tarn.fuse.Attributes;
import io.tarn.fuse.Entry;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.Request;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A daemon that hangs or dies never leaves a mount that hangs its users: forceUnmount ends it. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadDaemonTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private MountedMemfs mount;
    private Process daemon;
    private Path mnt;

    @AfterEach
    void cleanUp() throws Exception {
        release.countDown();
        if (daemon != null) daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        if (mount != null) mount.close();
        if (mnt != null && MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isPresent()) Mounter.forceUnmount(mnt);
    }

    @Test
    void forceUnmountFreesProgramsStuckOnAHungDaemon(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        CountDownLatch stuck = new CountDownLatch(1);
        FuseFilesystem hangs = new FuseFilesystem() {
            @Override
            public Attributes getattr(Request r, long ino, long fh) {
                return Attributes.of(new Attr(1, Attr.S_IFDIR | 0755, 2, 0, 0, 0, 4096, 0, 0, 0));
            }

            @Override
            public Entry lookup(Request r, long parent, String name) {
                stuck.countDown();
                try {
                    release.await(); // the daemon hangs (as one waiting on a dead object store would)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new io.tarn.api.FsException(io.tarn.api.Errno.ENOENT, null);
            }
        };
        mount = MountedMemfs.mount(mnt, hangs);
        Process stat = new ProcessBuilder("stat", mnt.resolve("anything").toString()).redirectErrorStream(true).start();
        assertTrue(stuck.await(20, TimeUnit.SECONDS), "the request never reached the daemon");
        assertFalse(stat.waitFor(0, TimeUnit.SECONDS), "stat should be waiting on the hung daemon");
        assertTrue(Mounter.forceUnmount(mnt));
        assertTrue(stat.waitFor(20, TimeUnit.SECONDS), "stat still hangs after the forced unmount");
        assertNotEquals(0, stat.exitValue());
        assertTrue(MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isEmpty());
    }

    @Test
    void aKilledDaemonLeavesAnErrorNotAHangAndForceUnmountCleansUp(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        daemon = new ProcessBuilder(Programs.java(), "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-cp",
                Programs.classpath(), MemfsMain.class.getName(), mnt.toString())
                .redirectError(tmp.resolve("err").toFile()).start();
        String ready = new BufferedReader(new InputStreamReader(daemon.getInputStream())).readLine();
        assertTrue(ready != null && ready.startsWith("READY"), "daemon did not start: " + ready);
        Files.writeString(mnt.resolve("f"), "x");
        daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9
        var r = Programs.run(Duration.ofSeconds(20), tmp, "cat", mnt.resolve("f").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Transport endpoint is not connected"), r.err());
        assertTrue(Mounter.forceUnmount(mnt));
        assertTrue(MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isEmpty());
    }
}
