package io.tarn.meta;

import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention per volume: -1 keeps every instant (and every garbage block) forever, 0 keeps none and
 * refuses views, and a change applies from then on: the window and the GC horizon follow it.
 */
@Timeout(30)
class RetentionTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;
    private final MutableClock clock = new MutableClock();
    private final MemoryKvStore kv = new MemoryKvStore();

    @Test
    void foreverOffAndChangedLater() {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofDays(1000), new MemoryCheckpoints(kv))) {
            meta.createVolume(new VolumeSpec("r", "mem://r", BS, "none", -1));
            Ctx c = new Ctx(meta.openSession("r", "w").session(), 0, Caller.ROOT);
            var f = meta.create(c, 1, "f", 0644, 2);
            long first = meta.reserveBlockIds(c, 2);
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, first, BS, BS, 1)), BS, 0);
            clock.advance(Duration.ofSeconds(1));
            long early = nowNs();
            clock.advance(Duration.ofSeconds(1));
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, first + 1, BS, BS, 2)), BS, 0);

            clock.advance(Duration.ofDays(400));
            meta.pruneHistory();
            assertEquals(Long.MIN_VALUE, meta.gcHorizon("r"), "forever: no garbage ever expires");
            Ctx v = new Ctx(meta.openSession("r", "view", early).session(), 0, Caller.ROOT);
            assertEquals(first, meta.blocks(v, f.ino(), 0, 1).getFirst().blockId(), "an instant 400 days back");
            meta.closeSession(v.session());

            assertEquals(86400, meta.setRetention("r", 86400).retentionSeconds());
            assertEquals(nowNs() - 86400 * 1_000_000_000L, meta.gcHorizon("r"), "one day now");
            assertTrue(meta.garbage("r", meta.gcHorizon("r"), null, 10).stream().anyMatch(g -> g.blockId() == first));
            FsException outside = assertThrows(FsException.class, () -> meta.openSession("r", "view", early));
            assertEquals(Errno.EINVAL, outside.errno());
            assertTrue(outside.getMessage().contains("oldest instant available is"), outside.getMessage());

            meta.setRetention("r", 0);
            assertEquals(nowNs(), meta.gcHorizon("r"), "off: garbage expires at once");
            FsException off = assertThrows(FsException.class, () -> meta.openSession("r", "view", nowNs()));
            assertEquals(Errno.EINVAL, off.errno());
            assertTrue(off.getMessage().contains("retention 0"), off.getMessage());
        }
    }

    private long nowNs() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
