package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time travel at the MetaService level with a controllable clock: a random history of writes,
 * overwrites, truncates, renames, links, symlinks, xattrs and deletes, recorded at many instants; then
 * a view at each instant must show exactly the tree recorded then (names, attributes, symlink targets,
 * xattrs, block maps with their checksums), whether it starts from the volume's creation or from a
 * checkpoint, and refuse every change with EROFS.
 */
@Timeout(60)
class TimeTravelTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;
    private final MutableClock clock = new MutableClock();
    private final MemoryKvStore kv = new MemoryKvStore();
    private final MemoryCheckpoints checkpoints = new MemoryCheckpoints(kv);

    @Test
    void viewsAtEveryRecordedInstantShowTheTreeOfThatInstant() {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofHours(10), checkpoints)) {
            meta.createVolume(new VolumeSpec("tt", "mem://tt", BS, "none", 3600));
            SessionInfo s = meta.openSession("tt", "writer");
            Ctx c = new Ctx(s.session(), 0, Caller.ROOT);
            Random rnd = new Random(7);
            Map<Long, TreeMap<String, String>> recorded = new LinkedHashMap<>();
            for (int step = 0; step < 400; step++) {
                randomOp(meta, c, rnd);
                if (step % 10 == 9) {
                    clock.advance(Duration.ofSeconds(1));
                    recorded.put(nowNs(), tree(meta, c));
                    clock.advance(Duration.ofMillis(300)); // later mutations in the same second are not in the view
                }
                if (step == 150 || step == 300) meta.checkpoint();
            }
            assertTrue(checkpoints.size() >= 2);
            for (var e : recorded.entrySet()) {
                SessionInfo view = meta.openSession("tt", "view", e.getKey());
                Ctx v = new Ctx(view.session(), 0, Caller.ROOT);
                assertEquals(e.getValue(), tree(meta, v), "view at " + Instant.ofEpochSecond(0, e.getKey()));
                meta.closeSession(view.session());
            }
            // The live volume is untouched by all of this.
            assertEquals(tree(meta, c), tree(meta, c));
        }
    }

    @Test
    void aViewRefusesEveryChangeWithEROFS() {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofHours(10), checkpoints)) {
            meta.createVolume(new VolumeSpec("ro", "mem://ro", BS, "none", 3600));
            Ctx c = new Ctx(meta.openSession("ro", "w").session(), 0, Caller.ROOT);
            Attr f = meta.create(c, 1, "f", 0644, 2);
            meta.mkdir(c, 1, "d", 0755);
            clock.advance(Duration.ofSeconds(5));
            Ctx v = new Ctx(meta.openSession("ro", "view", nowNs()).session(), 7, Caller.ROOT);
            List<Runnable> writes = List.of(
                    () -> meta.create(v, 1, "g", 0644, 2), () -> meta.mkdir(v, 1, "e", 0755),
                    () -> meta.mknod(v, 1, "n", Attr.S_IFIFO | 0644, 0), () -> meta.symlink(v, 1, "l", "f"),
                    () -> meta.link(v, f.ino(), 1, "f2"), () -> meta.unlink(v, 1, "f"), () -> meta.rmdir(v, 1, "d"),
                    () -> meta.rename(v, 1, "f", 1, "h", 0), () -> meta.setAttr(v, f.ino(), SetAttr.size(0)),
                    () -> meta.open(v, f.ino(), 1), () -> meta.open(v, f.ino(), 01000),
                    () -> meta.access(v, f.ino(), MetaService.W_OK),
                    () -> meta.commitBlocks(v, f.ino(), List.of(new BlockRef(0, 99, 1, 1, 1)), 1, 0),
                    () -> meta.reserveBlockIds(v, 1), () -> meta.setXattr(v, f.ino(), "user.a", new byte[1], 0),
                    () -> meta.removeXattr(v, f.ino(), "user.a"));
            for (Runnable w : writes) assertEquals(Errno.EROFS, assertThrows(FsException.class, w::run).errno());
            assertEquals(f.ino(), meta.open(v, f.ino(), 0).ino());
            meta.release(v, f.ino());
            meta.access(v, f.ino(), MetaService.R_OK);
            meta.heartbeat(v.session());
            assertEquals(List.of("d", "f"), names(meta, v, 1));
        }
    }

    @Test
    void instantsOutsideTheWindowNameTheOldestAvailable() {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofHours(10), checkpoints)) {
            long created = nowNs();
            meta.createVolume(new VolumeSpec("w", "mem://w", BS, "none", 3600));
            Ctx c = new Ctx(meta.openSession("w", "w").session(), 0, Caller.ROOT);
            FsException before = assertThrows(FsException.class, () -> meta.openSession("w", "v", created - 1_000_000_000L));
            assertTrue(before.getMessage().contains("oldest instant available is 2026-01-01T00:00:00Z"), before.getMessage());
            assertThrows(FsException.class, () -> meta.openSession("w", "v", nowNs() + 10_000_000_000L));
            meta.mkdir(c, 1, "early", 0755);
            clock.advance(Duration.ofMinutes(30));
            meta.checkpoint();
            clock.advance(Duration.ofMinutes(10));
            meta.mkdir(c, 1, "late", 0755);
            clock.advance(Duration.ofMinutes(40)); // the checkpoint is now 50 min old, "early" 80
            meta.pruneHistory();
            long oldest = meta.volumeUsage("w").oldestInstantNs();
            assertEquals(nowNs() - 3600_000_000_000L, oldest);
            FsException old = assertThrows(FsException.class, () -> meta.openSession("w", "v", created + 60_000_000_000L));
            assertTrue(old.getMessage().contains("outside the retention window"), old.getMessage());
            Ctx v = new Ctx(meta.openSession("w", "v", oldest).session(), 0, Caller.ROOT);
            assertEquals(List.of("early"), names(meta, v, 1));
            clock.advance(Duration.ofMinutes(30)); // the view is inside the window no longer; the prune waits for it
            assertEquals(2, checkpoints.size()); // the first sweep took one at creation, the test one at 30 min
            meta.pruneHistory();
            assertEquals(2, checkpoints.size());
            assertEquals(List.of("early"), names(meta, v, 1));
            meta.closeSession(v.session());
            meta.pruneHistory(); // now only the checkpoint at 30 min is needed, and it is the oldest instant
            assertEquals(1, checkpoints.size());
            assertEquals(nowNs() - 3600_000_000_000L, meta.volumeUsage("w").oldestInstantNs());
            Ctx v2 = new Ctx(meta.openSession("w", "v", nowNs() - 3600_000_000_000L).session(), 0, Caller.ROOT);
            assertEquals(List.of("early", "late"), names(meta, v2, 1));
            meta.closeSession(v2.session());
            assertEquals(List.of("early", "late"), names(meta, c, 1));
            // History off: no views at all.
            meta.setRetention("w", 0);
            assertEquals(-1, meta.volumeUsage("w").oldestInstantNs());
            assertThrows(FsException.class, () -> meta.openSession("w", "v", nowNs()));
        }
    }

    @Test
    void retentionChangesAndUsageShowHeldBytes() {
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofHours(10), checkpoints)) {
            meta.createVolume(new VolumeSpec("u", "mem://u", BS, "none", 3600));
            Ctx c = new Ctx(meta.openSession("u", "w").session(), 0, Caller.ROOT);
            Attr f = meta.create(c, 1, "f", 0644, 2);
            long id = meta.reserveBlockIds(c, 2);
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, id, BS, 1000, 1)), BS, 0);
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, id + 1, BS, 1500, 2)), BS, 0);
            VolumeUsage u = meta.volumeUsage("u");
            assertEquals(BS, u.liveBytes());
            assertEquals(1000, u.historyBytes());
            assertEquals(1, u.historyBlocks());
            assertEquals(86400, meta.setRetention("u", 86400).retentionSeconds());
            assertEquals(86400, meta.volume("u").retentionSeconds());
            assertTrue(meta.garbage("u", meta.gcHorizon("u"), null, 10).isEmpty());
            meta.setRetention("u", 0);
            clock.advance(Duration.ofMillis(1));
            assertEquals(1, meta.garbage("u", meta.gcHorizon("u"), null, 10).size());
        }
    }

    // ---- a random history ----------------------------------------------------------------------

    private final List<Long> dirs = new ArrayList<>(List.of(1L));

    private void randomOp(LocalMetaService meta, Ctx c, Random rnd) {
        long dir = dirs.get(rnd.nextInt(dirs.size()));
        String name = "n" + rnd.nextInt(12);
        try {
            switch (rnd.nextInt(11)) {
                case 0, 1 -> {
                    Attr a = meta.create(c, dir, name, 0644, 2);
                    meta.release(c, a.ino());
                }
                case 2, 3 -> { // write or overwrite blocks
                    Attr a = meta.lookup(c, dir, name);
                    if (!a.isFile()) return;
                    int n = 1 + rnd.nextInt(3);
                    long first = meta.reserveBlockIds(c, n);
                    List<BlockRef> blocks = new ArrayList<>();
                    for (int i = 0; i < n; i++) blocks.add(new BlockRef(rnd.nextInt(4), first + i, 1 + rnd.nextInt(BS), 100, rnd.nextInt()));
                    blocks = blocks.stream().collect(java.util.stream.Collectors.toMap(BlockRef::index, b -> b, (x, y) -> y, TreeMap::new))
                            .values().stream().toList();
                    long end = 0;
                    for (BlockRef b : blocks) end = Math.max(end, b.index() * BS + b.length());
                    meta.commitBlocks(c, a.ino(), blocks, end, 0);
                }
                case 4 -> meta.setAttr(c, meta.lookup(c, dir, name).ino(), SetAttr.size(rnd.nextInt(3 * BS)));
                case 5 -> meta.rename(c, dir, name, dirs.get(rnd.nextInt(dirs.size())), "n" + rnd.nextInt(12), 0);
                case 6 -> meta.unlink(c, dir, name);
                case 7 -> dirs.add(meta.mkdir(c, dir, "d" + rnd.nextInt(4), 0755).ino());
                case 8 -> meta.symlink(c, dir, name, "target-" + rnd.nextInt(100));
                case 9 -> meta.setXattr(c, meta.lookup(c, dir, name).ino(), "user.k" + rnd.nextInt(2), new byte[]{(byte) rnd.nextInt()}, 0);
                default -> meta.setAttr(c, meta.lookup(c, dir, name).ino(), SetAttr.mode(0600 + rnd.nextInt(0100)));
            }
        } catch (FsException expected) {
            // ENOENT, EEXIST, EISDIR, ENOTEMPTY ... a random history is allowed to fail
        }
    }

    /** The whole tree as path -> description: attributes, symlink target, xattrs, block map with checksums. */
    static TreeMap<String, String> tree(MetaService meta, Ctx c) {
        TreeMap<String, String> out = new TreeMap<>();
        walk(meta, c, 1, "", out);
        return out;
    }

    private static void walk(MetaService meta, Ctx c, long dir, String path, TreeMap<String, String> out) {
        for (String name : names(meta, c, dir)) {
            Attr a = meta.lookup(c, dir, name);
            String p = path + "/" + name;
            StringBuilder d = new StringBuilder(a.toString().replaceAll("atimeNs=\\d+", ""));
            if (a.isSymlink()) d.append(" -> ").append(meta.readlink(c, a.ino()));
            for (String x : meta.listXattr(c, a.ino())) d.append(' ').append(x).append('=').append(meta.getXattr(c, a.ino(), x)[0]);
            if (a.isFile()) for (BlockRef b : meta.blocks(c, a.ino(), 0, 1000)) d.append(' ').append(b);
            out.put(p, d.toString());
            if (a.isDir()) walk(meta, c, a.ino(), p, out);
        }
    }

    static List<String> names(MetaService meta, Ctx c, long dir) {
        List<String> out = new ArrayList<>();
        String after = null;
        while (true) {
            DirPage page = meta.readDir(c, dir, after, 3, false);
            for (DirEntry e : page.entries()) out.add(e.name());
            if (!page.more() || page.entries().isEmpty()) return out;
            after = page.entries().getLast().name();
        }
    }

    private long nowNs() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
