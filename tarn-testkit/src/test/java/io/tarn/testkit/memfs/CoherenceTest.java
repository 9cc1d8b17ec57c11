package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Notifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notify messages: with long cache timeouts the kernel keeps serving what it cached after the
 * filesystem changed behind its back (as another client would change it) until told otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CoherenceTest {
    Path mnt;
    MemoryFilesystem fs;
    MountedMemfs mount;
    Notifier notifier;

    @BeforeAll
    void mount(@TempDir Path tmp) throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        fs = new MemoryFilesystem();
        FuseConfig cfg = FuseConfig.builder().entryTimeout(Duration.ofMinutes(5)).attrTimeout(Duration.ofMinutes(5)).build();
        mount = MountedMemfs.mount(mnt, fs, cfg, MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs"));
        notifier = mount.session.notifier();
    }

    @AfterAll
    void unmount() {
        if (mount != null) mount.close();
    }

    private MemNode node(Path p) throws Exception {
        return fs.nodes.get((Long) Files.getAttribute(p, "unix:ino"));
    }

    /** Changes a file's bytes without the kernel hearing about it. */
    private static void overwriteBehindTheKernel(MemNode n, String text) {
        n.data.writeLock().lock();
        try {
            n.write(0, MemorySegment.ofArray(text.getBytes()));
        } finally {
            n.data.writeLock().unlock();
        }
    }

    /** Removes a name without the kernel hearing about it. */
    private void unlinkBehindTheKernel(String name) {
        MemNode root = fs.nodes.get(1L);
        synchronized (root) {
            root.removeEntry(name);
        }
    }

    @Test
    void invalidateInodeDropsCachedData() throws Exception {
        Path f = Files.writeString(mnt.resolve("data"), "aaaa");
        assertEquals("aaaa", Files.readString(f));
        MemNode n = node(f);
        overwriteBehindTheKernel(n, "bbbb");
        assertEquals("aaaa", Files.readString(f), "served from the page cache");
        assertEquals(0, notifier.invalidateInode(n.ino, 0, 0));
        assertEquals("bbbb", Files.readString(f));
    }

    @Test
    void invalidateEntryDropsACachedName() throws Exception {
        Path f = Files.writeString(mnt.resolve("gone-entry"), "x");
        assertTrue(Files.exists(f));
        unlinkBehindTheKernel("gone-entry");
        assertTrue(Files.exists(f), "the kernel still has the name cached");
        assertEquals(0, notifier.invalidateEntry(1, "gone-entry"));
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(f, "unix:ino"));
    }

    @Test
    void deleteNotificationRemovesTheName() throws Exception {
        Path f = Files.writeString(mnt.resolve("gone-delete"), "x");
        long ino = (Long) Files.getAttribute(f, "unix:ino");
        unlinkBehindTheKernel("gone-delete");
        assertTrue(Files.exists(f));
        assertEquals(0, notifier.delete(1, ino, "gone-delete"));
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(f, "unix:ino"));
    }

    @Test
    void storePushesDataIntoThePageCache() throws Exception {
        byte[] page = new byte[4096];
        Arrays.fill(page, (byte) 'a');
        Path f = Files.write(mnt.resolve("stored"), page);
        Files.readAllBytes(f);
        byte[] pushed = new byte[4096];
        Arrays.fill(pushed, (byte) 'S');
        assertEquals(0, notifier.store(node(f).ino, 0, MemorySegment.ofArray(pushed)));
        byte[] seen = Files.readAllBytes(f);
        assertEquals('S', seen[0]);
        assertEquals('S', seen[4095]);
    }
}
