package io.tarn.meta.rocksdb;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Views started from RocksDB checkpoints opened read-only, and checkpoints dropped once no window needs them. */
@Timeout(60)
class RocksDbCheckpointViewTest {
    @TempDir Path tmp;

    @Test
    void aViewStartsFromACheckpointDirectoryAndOldOnesAreRemoved() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-06-01T00:00:00Z"));
        InstantSource clock = now::get;
        RocksDbKvStore kv = RocksDbKvStore.open(tmp.resolve("meta"));
        Path cps = tmp.resolve("meta.checkpoints");
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofDays(1), new RocksDbCheckpoints(kv, cps))) {
            meta.createVolume(new VolumeSpec("r", "mem://r", VolumeSpec.MIN_BLOCK_SIZE, "none", 3600));
            Ctx c = new Ctx(meta.openSession("r", "w").session(), 0, Caller.ROOT);
            meta.mkdir(c, 1, "one", 0755);
            now.updateAndGet(i -> i.plusSeconds(10));
            long cp = meta.checkpoint();
            now.updateAndGet(i -> i.plusSeconds(10));
            meta.mkdir(c, 1, "two", 0755);
            long between = ns(now.get());
            now.updateAndGet(i -> i.plusSeconds(10));
            meta.mkdir(c, 1, "three", 0755);
            assertTrue(Files.isDirectory(cps.resolve("cp-" + cp)));

            Ctx v = new Ctx(meta.openSession("r", "v", between).session(), 0, Caller.ROOT);
            assertEquals(2, meta.readDir(v, 1, null, 10, false).entries().size());
            assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> meta.mkdir(v, 1, "x", 0755)).errno());
            meta.closeSession(v.session());

            now.updateAndGet(i -> i.plus(Duration.ofHours(3)));
            meta.checkpoint();
            now.updateAndGet(i -> i.plus(Duration.ofHours(2)));
            meta.pruneHistory();
            assertFalse(Files.exists(cps.resolve("cp-" + cp)), "the first checkpoint is older than any window needs");
            Ctx v2 = new Ctx(meta.openSession("r", "v", ns(now.get()) - 3_000_000_000_000L).session(), 0, Caller.ROOT);
            assertEquals(3, meta.readDir(v2, 1, null, 10, false).entries().size());
        }
    }

    private static long ns(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
