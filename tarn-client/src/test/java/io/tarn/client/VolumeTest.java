package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class VolumeTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Volume vol = new Volume(fx.client(), Caller.ROOT);

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void pathsEndToEnd() {
        vol.mkdirs("/a/b/c", 0755);
        vol.mkdirs("/a/b/c", 0755);
        vol.write("/a/b/c/hello.txt", "hello".getBytes(StandardCharsets.UTF_8));
        vol.append("/a/b/c/hello.txt", " world".getBytes(StandardCharsets.UTF_8));
        assertEquals("hello world", new String(vol.read("/a/b/c/hello.txt"), StandardCharsets.UTF_8));
        vol.write("/a/b/c/hello.txt", "bye".getBytes(StandardCharsets.UTF_8));
        assertEquals("bye", new String(vol.read("/a/b/c/hello.txt"), StandardCharsets.UTF_8));
        assertEquals(3, vol.stat("/a/b/c/hello.txt").size());
        vol.write("/a/z", new byte[0]);
        assertEquals(List.of("b", "z"), vol.list("/a"));
        vol.rename("/a/z", "/a/b/y");
        assertEquals(List.of("c", "y"), vol.list("/a/b"));
        vol.delete("/a/b/y");
        assertTrue(vol.statIfExists("/a/b/y").isEmpty());
        assertEquals(Errno.ENOTEMPTY, assertThrows(FsException.class, () -> vol.delete("/a/b")).errno());
        assertEquals(Errno.EEXIST, assertThrows(FsException.class, () -> vol.mkdirs("/a/b/c/hello.txt/x", 0755)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> vol.stat("relative")).errno());
    }

    @Test
    void largeFileThroughPaths() {
        byte[] data = VfsFixture.pattern(3 * VfsFixture.BLOCK + 99, 1);
        vol.write("/big", data);
        assertArrayEquals(data, vol.read("/big"));
    }

    @Test
    void vfsOpenedFromTheVolumesStoreUri(@TempDir Path dir) {
        MetaService meta = new LocalMetaService(new MemoryKvStore());
        try (meta) {
            meta.createVolume(new VolumeSpec("disk", dir.toUri().toString(), VolumeSpec.MIN_BLOCK_SIZE, "zstd", 0));
            try (TarnVfs vfs = TarnVfs.open(meta, "disk", ClientConfig.DEFAULTS)) {
                new Volume(vfs, Caller.ROOT).write("/f", new byte[]{1, 2, 3}); // inline: no object (ADR 0141)
                new Volume(vfs, Caller.ROOT).write("/g", VfsFixture.pattern(5000, 2));
                String uuid = vfs.volume().uuid();
                assertTrue(Files.isDirectory(dir.resolve(uuid).resolve("blocks")), "blocks live under <uuid>/blocks/");
            }
            try (TarnVfs again = TarnVfs.open(meta, "disk", ClientConfig.DEFAULTS)) {
                assertArrayEquals(new byte[]{1, 2, 3}, new Volume(again, Caller.ROOT).read("/f"));
                assertArrayEquals(VfsFixture.pattern(5000, 2), new Volume(again, Caller.ROOT).read("/g"));
            }
        }
    }
}
