package io.tarn.server.gc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.ObjectInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryCheckpoints;
import io.tarn.meta.MemoryKvStore;
import io.tarn.objectstore.MemoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GC against a metadata service with a controllable clock and an in-memory store: blocks reachable from
 * the live volume or from any instant of the window (an open view included) are never deleted, even with
 * a writer running during the collection; expired garbage and old leaked uploads are.
 */
@Timeout(60)
class GarbageCollectorTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final InstantSource clock = now::get;
    private final MemoryKvStore kv = new MemoryKvStore();
    private final MemoryObjectStore store = new MemoryObjectStore();

    @Test
    void collectsOnlyWhatNoInstantOfTheWindowReaches() throws Exception {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofDays(2), new MemoryCheckpoints(kv))) {
            VolumeInfo v = meta.createVolume(new VolumeSpec("g", "mem://g", BS, "none", 3600));
            BlockObjects keys = new BlockObjects(v.uuid());
            Ctx c0 = new Ctx(meta.openSession("g", "writer").session(), 0, Caller.ROOT);
            Ctx c = c0;
            List<Long> files = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Attr f = meta.create(c, 1, "f" + i, 0644, 2);
                files.add(f.ino());
                write(meta, c, keys, f.ino(), 0);
                write(meta, c, keys, f.ino(), 1);
                meta.release(c, f.ino());
            }
            advance(Duration.ofMinutes(10));
            write(meta, c, keys, files.get(0), 0);             // overwrite: the old block 0 is garbage at t+10m
            advance(Duration.ofMinutes(10));
            long early = epochNs();                             // t+20m: f1 still has two blocks, f2 exists
            advance(Duration.ofSeconds(1));
            meta.setAttr(c, files.get(1), SetAttr.size(10));    // truncate: block 1 of f1 is garbage
            meta.unlink(c, 1, "f2");                            // delete: both blocks of f2
            long uncommittedByDeadClient;
            {
                Ctx dead = new Ctx(meta.openSession("g", "dies").session(), 0, Caller.ROOT);
                uncommittedByDeadClient = meta.reserveBlockIds(dead, 1);
                store.put(keys.key(uncommittedByDeadClient), ByteBuffer.wrap(content(uncommittedByDeadClient)));
                meta.closeSession(dead.session());
            }
            Set<Long> garbageBefore = garbageIds(meta);
            assertEquals(4, garbageBefore.size());

            // A view at t+20m is opened now and stays open two hours, while all of that leaves the 1 h window.
            Ctx view = new Ctx(meta.openSession("g", "view", early).session(), 0, Caller.ROOT);
            advance(Duration.ofHours(2));
            Set<Long> viewBlocks = blocksOf(meta, view);
            GarbageCollector gc = new GarbageCollector(meta, clock, Duration.ofHours(1), RateLimit.UNLIMITED);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                while (!stop.get() || n < 20) {
                    Attr f = meta.create(c0, 1, "w" + n, 0644, 2);
                    write(meta, c0, keys, f.ino(), 0);
                    write(meta, c0, keys, f.ino(), 0);
                    meta.release(c0, f.ino());
                    n++;
                }
                return n;
            });
            GcReport during = gc.collect(v, store, false, true, GcProgress.NONE);
            stop.set(true);
            writer.get();
            // The view at t+20m holds what left after it; the block overwritten at t+10m nobody can reach.
            assertEquals(1, during.garbageObjects(), during.toString());
            garbageBefore.removeAll(garbageIds(meta));
            assertEquals(1, garbageBefore.size());
            Set<Long> heldByView = garbageIds(meta);
            heldByView.retainAll(viewBlocks);
            assertEquals(3, heldByView.size(), "truncated tail and deleted file are what the view still shows");
            // The dead client's upload is old, but the writer's session predates it: it could still commit it.
            assertEquals(0, during.leakedObjects(), during.toString());
            assertTrue(store.head(keys.key(uncommittedByDeadClient)).isPresent());
            readAll(meta, c, keys);
            readAll(meta, view, keys);
            for (long id : viewBlocks) assertTrue(store.head(keys.key(id)).isPresent());

            // Views closed: every garbage block of the first two hours goes; what the writer replaced just now stays.
            meta.closeSession(view.session());
            meta.closeSession(c.session());
            GcReport dry = gc.collect(v, store, true, true, GcProgress.NONE);
            assertEquals(3, dry.garbageObjects(), dry.toString());
            assertEquals(1, dry.leakedObjects(), dry.toString());
            for (long id : heldByView) assertTrue(store.head(keys.key(id)).isPresent(), "a dry run deletes nothing");
            GcReport after = gc.collect(v, store, false, true, GcProgress.NONE);
            assertEquals(3, after.garbageObjects(), after.toString());
            assertEquals(3L * BS, after.garbageBytes());
            assertEquals(1, after.leakedObjects(), "no live session may commit the dead client's upload any more");
            Set<String> listed;
            try (var s = store.list(keys.prefix(), null)) {
                listed = s.map(ObjectInfo::key).collect(Collectors.toSet());
            }
            for (long id : heldByView) assertFalse(listed.contains(keys.key(id)), "expired garbage " + id + " is deleted");
            assertFalse(listed.contains(keys.key(uncommittedByDeadClient)));
            c = new Ctx(meta.openSession("g", "reader").session(), 0, Caller.ROOT);
            readAll(meta, c, keys);
            assertEquals(garbageIds(meta).size(), meta.volumeUsage("g").historyBlocks());
        }
    }

    private static byte[] content(long id) {
        byte[] b = new byte[BS];
        for (int i = 0; i < b.length; i += 4096) b[i] = (byte) (id * 31 + i);
        return b;
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    /** What a client does: reserve an id, upload, commit. */
    private void write(LocalMetaService meta, Ctx c, BlockObjects keys, long ino, long index) {
        long id = meta.reserveBlockIds(c, 1);
        byte[] data = content(id);
        store.put(keys.key(id), ByteBuffer.wrap(data));
        meta.commitBlocks(c, ino, List.of(new BlockRef(index, id, BS, BS, crc(data))), (index + 1) * BS, 0);
    }

    /** Reads every block of every file the session sees and checks it against its checksum. */
    private void readAll(LocalMetaService meta, Ctx c, BlockObjects keys) {
        for (DirEntry e : meta.readDir(c, 1, null, 10_000, false).entries()) {
            Attr a = meta.lookup(c, 1, e.name());
            if (!a.isFile()) continue;
            for (BlockRef b : meta.blocks(c, a.ino(), 0, 100)) {
                ByteBuffer got = store.get(keys.key(b.blockId()), 0, -1).orElseThrow(() -> new AssertionError("block " + b + " of " + e.name() + " is gone"));
                byte[] bytes = new byte[got.remaining()];
                got.get(bytes);
                assertEquals(b.checksum(), crc(bytes), "block " + b + " of " + e.name());
            }
        }
    }

    private Set<Long> blocksOf(LocalMetaService meta, Ctx c) {
        Set<Long> ids = new HashSet<>();
        for (DirEntry e : meta.readDir(c, 1, null, 10_000, false).entries()) {
            Attr a = meta.lookup(c, 1, e.name());
            if (a.isFile()) meta.blocks(c, a.ino(), 0, 100).forEach(b -> ids.add(b.blockId()));
        }
        assertFalse(ids.isEmpty());
        return ids;
    }

    private static Set<Long> garbageIds(LocalMetaService meta) {
        Set<Long> ids = new HashSet<>();
        LedgerPages.forEachGarbage(meta, "g", g -> ids.add(g.blockId()));
        return ids;
    }

    private void advance(Duration d) {
        now.updateAndGet(i -> i.plus(d));
    }

    private long epochNs() {
        Instant i = now.get();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

}
