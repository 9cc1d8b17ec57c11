package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Opened;
import io.tarn.fuse.mount.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same filesystem under other INIT flags and mount options: readdirplus, writeback cache, direct_io, ro, one queue. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConfigVariantsTest {
    private MountedMemfs mount;

    @AfterEach
    void unmount() {
        if (mount != null) mount.close();
    }

    private Path mount(Path tmp, MemoryFilesystem fs, FuseConfig cfg, boolean readOnly) throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        mount = MountedMemfs.mount(mnt, fs, cfg,
                MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs").withReadOnly(readOnly));
        return mnt;
    }

    private static void roundTrip(Path mnt) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(11).nextBytes(data);
        Path d = Files.createDirectories(mnt.resolve("dir"));
        for (int i = 0; i < 300; i++) Files.writeString(d.resolve("small" + i), "n" + i);
        Files.write(d.resolve("big"), data);
        var ls = Programs.run(Duration.ofSeconds(30), d, "bash", "-c", "ls -l | grep -c small; stat -c %s big").ok();
        assertEquals("300\n" + data.length, ls.out().trim());
        assertArrayEquals(data, Files.readAllBytes(d.resolve("big")));
        assertEquals("n299", Files.readString(d.resolve("small299")));
        Programs.run(Duration.ofSeconds(30), mnt, "rm", "-r", "dir").ok();
    }

    @Test
    void readdirplusAndWritebackCache(@TempDir Path tmp) throws Exception {
        FuseConfig cfg = FuseConfig.builder().readdirplus(true, false).writebackCache(true).build();
        Path mnt = mount(tmp, new MemoryFilesystem(), cfg, false);
        roundTrip(mnt);
        assertTrue(mount.session.connection().has(io.tarn.fuse.proto.Proto.DO_READDIRPLUS));
        assertTrue(mount.session.connection().has(io.tarn.fuse.proto.Proto.WRITEBACK_CACHE));
    }

    @Test
    void directIoOnOneQueueWithoutClones(@TempDir Path tmp) throws Exception {
        FuseConfig cfg = FuseConfig.builder().cloneQueues(false).workers(1).build();
        roundTrip(mount(tmp, new MemoryFilesystem(Opened.DIRECT_IO), cfg, false));
    }

    @Test
    void handoffReadyWorkersServeNormally(@TempDir Path tmp) throws Exception {
        roundTrip(mount(tmp, new MemoryFilesystem(), FuseConfig.builder().handoffReady(true).workers(3).build(), false));
    }

    @Test
    void spinningWorkersServeNormally(@TempDir Path tmp) throws Exception {
        roundTrip(mount(tmp, new MemoryFilesystem(), FuseConfig.builder().spinMicros(50).workers(2).build(), false));
    }

    @Test
    void readOnlyMountRefusesWrites(@TempDir Path tmp) throws Exception {
        Path mnt = mount(tmp, new MemoryFilesystem(), FuseConfig.defaults(), true);
        assertTrue(MountTable.find(mnt).isPresent());
        FileSystemException e = assertThrows(FileSystemException.class, () -> Files.writeString(mnt.resolve("f"), "x"));
        assertTrue(String.valueOf(e.getReason()).contains("Read-only"), e.toString());
    }
}
