package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The calls garbage collection and fsck make (ADR 0081): paged listings of live block maps and of
 * garbage records resumed after a cursor, forgetting records, the horizon and the clients' marks.
 * The fixture's volumes keep no history (retention 0), so garbage is expired as soon as it exists.
 */
public abstract class GarbageContract extends LockContract {

    private BlockRef block(long index, int stored) {
        return new BlockRef(index, meta.reserveBlockIds(root(), 1), BLOCK, stored, (int) index * 13 + 1);
    }

    private List<LiveBlock> allLive(int pageSize) {
        List<LiveBlock> out = new ArrayList<>();
        LiveBlock after = null;
        while (true) {
            List<LiveBlock> page = meta.liveBlocks(vol.name(), after, pageSize);
            assertTrue(page.size() <= pageSize);
            out.addAll(page);
            if (page.isEmpty()) return out;
            after = page.getLast();
        }
    }

    private List<GarbageBlock> allGarbage(long before, int pageSize) {
        List<GarbageBlock> out = new ArrayList<>();
        GarbageBlock after = null;
        while (true) {
            List<GarbageBlock> page = meta.garbage(vol.name(), before, after, pageSize);
            assertTrue(page.size() <= pageSize);
            out.addAll(page);
            if (page.isEmpty()) return out;
            after = page.getLast();
        }
    }

    @Test
    void liveBlocksAreListedByInodeAndIndexAPageAtATime() {
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR), g = meta.create(root(), root, "g", 0644, O_RDWR);
        BlockRef f0 = block(0, 100), f1 = block(1, 200), f5 = block(5, 300), g0 = block(0, 400), g2 = block(2, 500);
        meta.commitBlocks(root(), g.ino(), List.of(g0, g2), 3L * BLOCK, 0);
        meta.commitBlocks(root(), f.ino(), List.of(f0, f1, f5), 6L * BLOCK, 0);
        List<LiveBlock> expected = f.ino() < g.ino()
                ? List.of(new LiveBlock(f.ino(), f0), new LiveBlock(f.ino(), f1), new LiveBlock(f.ino(), f5), new LiveBlock(g.ino(), g0), new LiveBlock(g.ino(), g2))
                : List.of(new LiveBlock(g.ino(), g0), new LiveBlock(g.ino(), g2), new LiveBlock(f.ino(), f0), new LiveBlock(f.ino(), f1), new LiveBlock(f.ino(), f5));
        assertEquals(expected, allLive(2));
        assertEquals(expected, allLive(1000));
        assertEquals(expected.subList(3, 5), meta.liveBlocks(vol.name(), expected.get(2), 10), "strictly after the cursor");
        assertTrue(meta.garbage(vol.name(), Long.MAX_VALUE, null, 10).isEmpty(), "nothing left the live map yet");
        meta.release(root(), f.ino());
        meta.release(root(), g.ino());
    }

    @Test
    void whatLeavesTheLiveMapIsGarbageUntilForgotten() {
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        BlockRef b0 = block(0, 100), b1 = block(1, 200), b2 = block(2, 300);
        meta.commitBlocks(root(), f.ino(), List.of(b0, b1, b2), 3L * BLOCK, 0);
        BlockRef b0b = block(0, 150);
        meta.commitBlocks(root(), f.ino(), List.of(b0b), 3L * BLOCK, 0);  // overwrite: b0 is garbage
        meta.setAttr(root(), f.ino(), SetAttr.size(BLOCK));               // truncate: b1 and b2 are
        List<GarbageBlock> all = allGarbage(Long.MAX_VALUE, 1);
        assertEquals(List.of(b0.blockId(), b1.blockId(), b2.blockId()),
                all.stream().map(GarbageBlock::blockId).sorted().toList());
        GarbageBlock g0 = all.stream().filter(g -> g.blockId() == b0.blockId()).findFirst().orElseThrow();
        assertEquals(f.ino(), g0.ino());
        assertEquals(0, g0.index());
        assertEquals(100, g0.storedLength());
        for (int i = 1; i < all.size(); i++) {
            GarbageBlock a = all.get(i - 1), b = all.get(i);
            assertTrue(a.timeNs() < b.timeNs() || a.timeNs() == b.timeNs() && a.blockId() < b.blockId(), "oldest first");
        }
        assertEquals(List.of(new LiveBlock(f.ino(), b0b)), allLive(10));

        long horizon = meta.gcHorizon(vol.name());
        assertTrue(horizon >= all.getLast().timeNs(), "without history every record is expired");
        assertTrue(meta.garbage(vol.name(), all.getFirst().timeNs(), null, 10).isEmpty(), "before is exclusive");
        assertEquals(all.subList(1, 3), meta.garbage(vol.name(), Long.MAX_VALUE, all.getFirst(), 10));

        meta.forgetGarbage(vol.name(), all.subList(0, 2));
        assertEquals(all.subList(2, 3), allGarbage(Long.MAX_VALUE, 10));
        meta.forgetGarbage(vol.name(), all);  // already gone: ignored
        assertTrue(allGarbage(Long.MAX_VALUE, 10).isEmpty());
        assertEquals(List.of(new LiveBlock(f.ino(), b0b)), allLive(10), "forgetting garbage touches no live block");
        meta.release(root(), f.ino());
    }

    @Test
    void inlineBlocksAreListedAsInlineWithoutTheirPayloadAndLeaveNoGarbage() {
        Attr f = meta.create(root(), root, "tiny", 0644, O_RDWR);
        byte[] payload = new byte[300];
        java.util.Arrays.fill(payload, (byte) 7);
        BlockRef tiny = new BlockRef(0, meta.reserveBlockIds(root(), 1), 200, 300, 5, payload);
        meta.commitBlocks(root(), f.ino(), List.of(tiny), 200, 0);
        List<LiveBlock> live = allLive(10);
        assertEquals(1, live.size());
        LiveBlock l = live.getFirst();
        assertTrue(l.inline(), "GC and fsck must know it has no object");
        assertFalse(l.block().isInline(), "the listing carries no payload");
        assertEquals(new BlockRef(0, tiny.blockId(), 200, 300, 5), l.block());
        assertEquals(l, meta.liveBlocks(vol.name(), null, 1).getFirst());
        assertTrue(meta.liveBlocks(vol.name(), l, 10).isEmpty(), "an inline entry works as a cursor");

        BlockRef replaced = block(0, 100);
        meta.commitBlocks(root(), f.ino(), List.of(replaced), BLOCK, 0);
        assertTrue(allGarbage(Long.MAX_VALUE, 10).isEmpty(), "a replaced inline block has no object to collect");
        assertEquals(List.of(new LiveBlock(f.ino(), replaced, false)), allLive(10));
        meta.release(root(), f.ino());
    }

    @Test
    void clientsTellGcWhatMayStillBeCommitted() {
        long id = meta.reserveBlockIds(root(), 3);
        GcClients c = meta.gcClients(vol.name());
        assertTrue(c.reservedBelow() > id + 2, "every reserved id is below the mark: " + c);
        assertTrue(c.oldestSessionOpenedNs() >= 0, "the fixture's session is open: " + c);
        assertTrue(c.mayCommit(id, System.currentTimeMillis()), "an upload written while the session lives");
        assertFalse(c.mayCommit(c.reservedBelow() + 5, System.currentTimeMillis()), "an id nobody reserved");
    }

    @Test
    void garbageCallsNameTheUnknownVolume() {
        expect(Errno.ENOENT, () -> meta.gcHorizon("no-such-volume"));
        expect(Errno.ENOENT, () -> meta.garbage("no-such-volume", Long.MAX_VALUE, null, 10));
        expect(Errno.ENOENT, () -> meta.liveBlocks("no-such-volume", null, 10));
        expect(Errno.ENOENT, () -> meta.gcClients("no-such-volume"));
        expect(Errno.ENOENT, () -> meta.forgetGarbage("no-such-volume", List.of()));
    }
}
