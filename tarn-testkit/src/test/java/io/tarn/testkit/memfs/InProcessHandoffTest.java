package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.FuseSession;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handoff API within one JVM: a successor that fails leaves the old session serving; the next one takes over. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InProcessHandoffTest {
    private FuseSession old, successor;
    private Path mnt;

    @AfterEach
    void cleanUp() {
        if (successor != null) successor.close();
        if (old != null) old.close();
        if (mnt != null && MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isPresent()) Mounter.forceUnmount(mnt);
        if (mnt != null) assertTrue(MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isEmpty(), "mount left behind");
    }

    @Test
    void failedSuccessorLeavesTheOldSessionServingAndTheNextOneTakesOver(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        Path control = tmp.resolve("control.sock");
        old = FuseSession.mount(MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs"), new MemoryFilesystem(),
                FuseConfig.defaults()).start();
        assertTrue(old.awaitInit(Duration.ofSeconds(15)));
        Files.writeString(mnt.resolve("kept"), "state survives");
        int mountId = MountTable.find(mnt).orElseThrow().id();
        old.listenForHandoff(control);

        FuseFilesystem broken = new FuseFilesystem() { }; // cannot import any state
        assertThrows(IOException.class, () -> FuseSession.takeOver(control, broken, FuseConfig.defaults()));
        assertEquals("state survives", Files.readString(mnt.resolve("kept")), "old session serves again");
        assertEquals(null, old.join(Duration.ZERO));

        successor = FuseSession.takeOver(control, new MemoryFilesystem(), FuseConfig.defaults());
        assertEquals(FuseSession.Outcome.HANDED_OFF, old.join(Duration.ofSeconds(20)));
        assertEquals("state survives", Files.readString(mnt.resolve("kept")));
        Files.writeString(mnt.resolve("new"), "written after");
        assertEquals("written after", Files.readString(mnt.resolve("new")));
        assertEquals(mountId, MountTable.find(mnt).orElseThrow().id());
    }

    @Test
    void blockingHandOffReturnsOnceTheSuccessorIsServing(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        Path control = tmp.resolve("control.sock");
        old = FuseSession.mount(MountOptions.at(mnt), new MemoryFilesystem(), FuseConfig.builder().handoffReady(true).build()).start();
        assertTrue(old.awaitInit(Duration.ofSeconds(15)));
        Files.createDirectories(mnt.resolve("a/b"));
        CompletableFuture<Boolean> handedOff = handOffInBackground(control, Duration.ofSeconds(5));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(control) && System.nanoTime() < deadline) LockSupport.parkNanos(1_000_000);
        successor = FuseSession.takeOver(control, new MemoryFilesystem(), FuseConfig.defaults());
        assertTrue(handedOff.get());
        assertEquals(FuseSession.Outcome.HANDED_OFF, old.join(Duration.ofSeconds(5)));
        assertTrue(Files.isDirectory(mnt.resolve("a/b")));
    }

    @Test
    void aRequestStillPendingAtHandoffIsResentToTheSuccessor(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        Path control = tmp.resolve("control.sock");
        MemoryFilesystem memfs = new MemoryFilesystem(io.tarn.fuse.Opened.DIRECT_IO);
        java.util.concurrent.CountDownLatch pending = new java.util.concurrent.CountDownLatch(1);
        // The old daemon never answers reads: they are left to the successor.
        FuseFilesystem stalls = (FuseFilesystem) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FuseFilesystem.class}, (proxy, m, a) -> {
                    if (m.getName().equals("read")) {
                        ((io.tarn.fuse.Request) a[0]).defer();
                        pending.countDown();
                        return null;
                    }
                    try {
                        return m.invoke(memfs, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        old = FuseSession.mount(MountOptions.at(mnt), stalls, FuseConfig.defaults()).start();
        assertTrue(old.awaitInit(Duration.ofSeconds(15)));
        Files.writeString(mnt.resolve("f"), "served by the successor");
        CompletableFuture<String> read = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                read.complete(Files.readString(mnt.resolve("f")));
            } catch (IOException e) {
                read.complete("failed: " + e);
            }
        });
        assertTrue(pending.await(20, java.util.concurrent.TimeUnit.SECONDS), "READ never reached the old daemon");
        CompletableFuture<Boolean> handedOff = handOffInBackground(control, Duration.ofMillis(100));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(control) && System.nanoTime() < deadline) LockSupport.parkNanos(1_000_000);
        successor = FuseSession.takeOver(control, new MemoryFilesystem(io.tarn.fuse.Opened.DIRECT_IO), FuseConfig.defaults());
        assertTrue(handedOff.get());
        assertEquals("served by the successor", read.get(20, java.util.concurrent.TimeUnit.SECONDS));
    }

    private CompletableFuture<Boolean> handOffInBackground(Path control, Duration drain) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                done.complete(old.handOff(control, Duration.ofSeconds(30), drain));
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }
}
