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
        CompletableFuture<Boolean> handedOff = CompletableFuture.supplyAsync(() -> {
            try {
                return old.handOff(control, Duration.ofSeconds(30));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(control) && System.nanoTime() < deadline) Thread.onSpinWait();
        successor = FuseSession.takeOver(control, new MemoryFilesystem(), FuseConfig.defaults());
        assertTrue(handedOff.get());
        assertEquals(FuseSession.Outcome.HANDED_OFF, old.join(Duration.ofSeconds(5)));
        assertTrue(Files.isDirectory(mnt.resolve("a/b")));
    }
}
