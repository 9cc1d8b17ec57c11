package io.tarn.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Write-back mode (ADR 0071) through a real mount: an fsync returns once the blocks are staged on local
 * disk, even while the object store refuses every call; a kill -9 of the daemon then loses nothing, because
 * the next mount over the same cache directory uploads what was staged. The last mount reads with no local
 * disk at all, so the bytes it sees came from the store.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WriteBackMountTest {
    private static final Duration T = Duration.ofSeconds(120);
    @TempDir
    Path tmp;

    private static long stagedFiles(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) return 0;
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> p.toString().endsWith(".wb")).count();
        }
    }

    @Test
    void stagedWritesSurviveADaemonKillAndUploadAtTheNextMount() throws Exception {
        byte[] data = new byte[10 << 20];
        new Random(7).nextBytes(data);
        Path src = Files.write(tmp.resolve("src"), data);
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        Path meta = tmp.resolve("meta"), mnt = tmp.resolve("mnt"), cache = tmp.resolve("cache");
        Path fail = storeDir.resolve("FAIL");
        String store = SwitchedFaultsStoreProvider.uri(storeDir);
        String[] writeBack = {"--data", meta.toString(), "--store", store, "-o", "cache-dir=" + cache + ",writeback"};

        MountedVolume first = MountedVolume.mount("wb", mnt, writeBack);
        try {
            Files.createFile(fail); // from here on the store refuses every call
            Programs.run(T, null, List.of("dd", "if=" + src, "of=" + mnt.resolve("f"), "bs=1M", "conv=fsync", "status=none")).ok();
            Programs.run(T, null, List.of("mv", mnt.resolve("f").toString(), mnt.resolve("g").toString())).ok();
            assertTrue(stagedFiles(cache) >= 3, "a 10 MiB file in 4 MiB blocks is staged while the store is down");
            first.kill();
        } finally {
            first.close();
        }
        Files.delete(fail);

        try (MountedVolume second = MountedVolume.mount("wb", mnt, writeBack)) {
            long until = System.nanoTime() + T.toNanos();
            while (stagedFiles(cache) > 0) {
                assertTrue(System.nanoTime() < until, "staged blocks were not uploaded after the store came back:\n" + second.logText());
                LockSupport.parkNanos(20_000_000); // a poll interval: the condition is the staging directory emptying
            }
            Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("g").toString())).ok();
        }
        String[] noLocalDisk = {"--data", meta.toString(), "--store", store};
        try (MountedVolume third = MountedVolume.mount("wb", mnt, noLocalDisk)) {
            Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("g").toString())).ok();
        }
    }
}
