package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.GarbageBlock;
import io.tarn.api.VolumeSpec;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvStore;
import io.tarn.api.kv.KvWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A time-travel view outlives a restart of the metadata service (ADR 0081): its pin keeps GC and
 * pruning off the history it needs while the server is down and after, and the first call or heartbeat
 * on its old session id rebuilds it at the same instant, even once that instant has left the window.
 * A pin nobody comes back for is dropped after the session timeout.
 */
@Timeout(60)
class ViewRestartTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;
    private final MutableClock clock = new MutableClock();
    private final MemoryKvStore kv = new MemoryKvStore();
    private final MemoryCheckpoints checkpoints = new MemoryCheckpoints(kv);
    /** The store as a restarted server finds it: closing the service must not wipe the memory store. */
    private final KvStore survivor = new KvStore() {
        @Override
        public <T> T read(Function<KvReader, T> work) {
            return kv.read(work);
        }

        @Override
        public <T> T write(Function<KvWriter, T> work) {
            return kv.write(work);
        }

        @Override
        public void close() {}
    };

    private LocalMetaService start() {
        LocalMetaService meta = new LocalMetaService(survivor, clock, Duration.ofMinutes(1), checkpoints);
        meta.setCheckpointInterval(Duration.ofMinutes(10));
        return meta;
    }

    @Test
    void aViewComesBackUnderItsSessionAfterARestart() {
        long at, viewSession, oldBlock;
        Attr f;
        try (LocalMetaService meta = start()) {
            meta.createVolume(new VolumeSpec("v", "mem://v", BS, "none", 3600));
            Ctx c = new Ctx(meta.openSession("v", "writer").session(), 0, Caller.ROOT);
            f = meta.create(c, 1, "f", 0644, 2);
            oldBlock = meta.reserveBlockIds(c, 1);
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, oldBlock, BS, BS, 7)), BS, 0);
            meta.release(c, f.ino());
            clock.advance(Duration.ofSeconds(1));
            at = nowNs();
            clock.advance(Duration.ofSeconds(1));
            meta.unlink(c, 1, "f");
            viewSession = meta.openSession("v", "view", at).session();
            assertEquals(oldBlock, meta.blocks(new Ctx(viewSession, 0, Caller.ROOT), f.ino(), 0, 1).getFirst().blockId());
        }
        // Down for two hours: the instant is now outside the one-hour window, but the view holds it.
        clock.advance(Duration.ofHours(2));
        try (LocalMetaService meta = start()) {
            assertTrue(meta.gcHorizon("v") <= at, "the pinned view holds the horizon at its instant");
            List<GarbageBlock> expired = meta.garbage("v", meta.gcHorizon("v"), null, 10);
            assertTrue(expired.stream().noneMatch(g -> g.blockId() == oldBlock), "the deleted file's block is not collectable");
            meta.pruneHistory();
            meta.heartbeat(viewSession);
            Ctx v = new Ctx(viewSession, 0, Caller.ROOT);
            assertEquals(f.ino(), meta.lookup(v, 1, "f").ino(), "the view at " + Instant.ofEpochSecond(0, at) + " is back");
            assertEquals(oldBlock, meta.blocks(v, f.ino(), 0, 1).getFirst().blockId());
            assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> meta.mkdir(v, 1, "x", 0755)).errno());
            // Closed now: the horizon moves on and the block is garbage GC may take.
            meta.closeSession(viewSession);
            assertTrue(meta.gcHorizon("v") > at);
            assertTrue(meta.garbage("v", meta.gcHorizon("v"), null, 10).stream().anyMatch(g -> g.blockId() == oldBlock));
        }
        try (LocalMetaService meta = start()) {
            assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> meta.heartbeat(viewSession)).errno(),
                    "a closed view stays closed across restarts");
        }
    }

    @Test
    void aPinNobodyResumesIsDroppedAfterTheSessionTimeout() {
        long at, viewSession;
        try (LocalMetaService meta = start()) {
            meta.createVolume(new VolumeSpec("w", "mem://w", BS, "none", 3600));
            Ctx c = new Ctx(meta.openSession("w", "writer").session(), 0, Caller.ROOT);
            meta.mkdir(c, 1, "d", 0755);
            clock.advance(Duration.ofSeconds(1));
            at = nowNs();
            viewSession = meta.openSession("w", "view", at).session();
        }
        clock.advance(Duration.ofHours(2));
        try (LocalMetaService meta = start()) {
            assertTrue(meta.gcHorizon("w") <= at);
            clock.advance(Duration.ofMinutes(2));
            meta.expireSessions();
            assertTrue(meta.gcHorizon("w") > at, "the abandoned pin no longer holds garbage");
            assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> meta.heartbeat(viewSession)).errno());
        }
    }

    private long nowNs() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
