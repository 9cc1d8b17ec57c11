package io.tarn.testkit.memfs;

import io.tarn.api.Errno;
import io.tarn.fuse.Deferred;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A signal to a program waiting on a slow request reaches the filesystem as an interrupt, and the
 * program is not stuck. (OPEN, a synchronous request; reads go as background requests, which the
 * kernel does not interrupt.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InterruptTest {
    private MountedMemfs mount;

    @AfterEach
    void unmount() {
        if (mount != null) mount.close();
    }

    @Test
    void interruptEndsAnOpenThatWouldNeverComplete(@TempDir Path tmp) throws Exception {
        MemoryFilesystem memfs = new MemoryFilesystem();
        CountDownLatch readWaiting = new CountDownLatch(1), interrupted = new CountDownLatch(1);
        AtomicLong slowIno = new AtomicLong(-1);
        FuseFilesystem stuckReads = (FuseFilesystem) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FuseFilesystem.class}, (proxy, m, a) -> {
                    if (m.getName().equals("open") && (Long) a[1] == slowIno.get()) {
                        Request r = (Request) a[0];
                        Deferred<Object> d = r.defer();
                        r.onInterrupt(() -> {
                            interrupted.countDown();
                            d.fail(Errno.EINTR);
                        });
                        readWaiting.countDown();
                        return null; // never completed otherwise: an object store that does not answer
                    }
                    try {
                        return m.invoke(memfs, a);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        mount = MountedMemfs.mount(mnt, stuckReads);
        Files.writeString(mnt.resolve("slow"), "never read");
        slowIno.set((Long) Files.getAttribute(mnt.resolve("slow"), "unix:ino"));
        Process cat = new ProcessBuilder("cat", mnt.resolve("slow").toString()).redirectErrorStream(true).start();
        assertTrue(readWaiting.await(20, TimeUnit.SECONDS), "OPEN never reached the filesystem");
        cat.destroy(); // SIGTERM
        assertTrue(interrupted.await(20, TimeUnit.SECONDS), "no INTERRUPT arrived");
        assertTrue(cat.waitFor(20, TimeUnit.SECONDS), "the program stayed stuck after its interrupt was answered");
        assertNotEquals(0, cat.exitValue());
    }
}
