package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Change;
import io.tarn.api.ChangeBatch;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The change feed of ADR 0120: what each mutation reports, to whom, and what a reader that falls behind gets. */
@Timeout(60)
class ChangeFeedTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);

    @Test
    void aReaderStartsWithAResetThenGetsOtherSessionsChangesInOrder() {
        ChangeFeed f = new ChangeFeed(16);
        ChangeBatch start = f.poll(1, 100, 0, 0, 10, 0);
        assertTrue(start.reset());
        assertEquals(f.id(), start.feed());
        f.publish(1, 200, List.of(Change.attr(5), Change.entry(1, "a")));
        f.publish(1, 100, List.of(Change.attr(6))); // the reader's own: left out
        f.publish(2, 200, List.of(Change.attr(7))); // another volume
        f.publish(1, 200, List.of(Change.data(8)));
        ChangeBatch b = f.poll(1, 100, start.feed(), start.cursor(), 10, WAIT);
        assertFalse(b.reset());
        assertEquals(List.of(Change.attr(5), Change.entry(1, "a"), Change.data(8)), b.changes());
        assertEquals(b, f.poll(1, 100, start.feed(), start.cursor(), 10, WAIT), "asking again gives the same answer");
        ChangeBatch two = f.poll(1, 100, start.feed(), start.cursor(), 2, WAIT);
        assertEquals(List.of(Change.attr(5), Change.entry(1, "a")), two.changes(), "at most max");
        assertEquals(List.of(Change.data(8)), f.poll(1, 100, two.feed(), two.cursor(), 10, WAIT).changes());
        ChangeBatch none = f.poll(1, 100, b.feed(), b.cursor(), 10, TimeUnit.MILLISECONDS.toNanos(20));
        assertTrue(none.changes().isEmpty());
        assertFalse(none.reset());
    }

    @Test
    void aReaderThatFellBehindTheRingOrComesFromAnotherServerStartIsReset() {
        ChangeFeed f = new ChangeFeed(4);
        ChangeBatch start = f.poll(1, 100, 0, 0, 10, 0);
        for (int i = 0; i < 4; i++) f.publish(1, 200, List.of(Change.attr(i)));
        assertEquals(4, f.poll(1, 100, f.id(), start.cursor(), 10, WAIT).changes().size(), "a full ring is still whole");
        f.publish(1, 200, List.of(Change.attr(4)));
        ChangeBatch behind = f.poll(1, 100, f.id(), start.cursor(), 10, WAIT);
        assertTrue(behind.reset(), "one change was overwritten: drop everything");
        assertTrue(behind.changes().isEmpty());
        f.publish(1, 200, List.of(Change.attr(9)));
        assertEquals(List.of(Change.attr(9)), f.poll(1, 100, behind.feed(), behind.cursor(), 10, WAIT).changes());
        ChangeFeed restarted = new ChangeFeed(4);
        assertNotEquals(f.id(), restarted.id());
        assertTrue(restarted.poll(1, 100, f.id(), behind.cursor(), 10, WAIT).reset(), "a cursor of another server start");
        assertTrue(f.poll(1, 100, f.id(), 1_000_000, 10, WAIT).reset(), "a cursor from the future");
    }

    @Test
    void aWaitingReaderIsWokenByAChangeAndByClose() throws Exception {
        ChangeFeed f = new ChangeFeed(16);
        ChangeBatch start = f.poll(1, 100, 0, 0, 10, 0);
        CompletableFuture<ChangeBatch> waiting = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> waiting.complete(f.poll(1, 100, start.feed(), start.cursor(), 10, TimeUnit.SECONDS.toNanos(30))));
        f.publish(1, 200, List.of(Change.xattr(3)));
        assertEquals(List.of(Change.xattr(3)), waiting.get(10, TimeUnit.SECONDS).changes());

        ChangeBatch at = f.poll(1, 100, start.feed(), start.cursor(), 10, 0);
        CompletableFuture<ChangeBatch> closing = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> closing.complete(f.poll(1, 100, at.feed(), at.cursor(), 10, TimeUnit.SECONDS.toNanos(30))));
        f.close();
        assertTrue(closing.get(10, TimeUnit.SECONDS).changes().isEmpty(), "close ends the wait at once");

        ChangeFeed g = new ChangeFeed(16);
        ChangeBatch s2 = g.poll(1, 100, 0, 0, 10, 0);
        CompletableFuture<ChangeBatch> interrupted = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> interrupted.complete(g.poll(1, 100, s2.feed(), s2.cursor(), 10, TimeUnit.SECONDS.toNanos(30))));
        t.interrupt();
        assertTrue(interrupted.get(10, TimeUnit.SECONDS).changes().isEmpty(), "an interrupt ends the wait");
    }

    @Test
    void eachMutationReportsTheInodesNamesDataAndXattrsItChanged() {
        try (LocalMetaService meta = new LocalMetaService(new MemoryKvStore())) {
            meta.createVolume(new VolumeSpec("v", "mem://x", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo reader = meta.openSession("v", "reader"), writer = meta.openSession("v", "writer");
            Ctx w = new Ctx(writer.session(), 0, Caller.ROOT);
            long root = writer.volume().rootIno();
            ChangeBatch at = meta.changes(reader.session(), 0, 0, 100, 0);
            assertTrue(at.reset());

            Attr f = meta.create(w, root, "f", 0644, 0);
            at = expect(meta, reader.session(), at, Change.entry(root, "f"), Change.attr(root), Change.attr(f.ino()));
            meta.setAttr(w, f.ino(), SetAttr.mode(0600));
            at = expect(meta, reader.session(), at, Change.attr(f.ino()));
            long id = meta.reserveBlockIds(w, 1);
            at = meta.changes(reader.session(), at.feed(), at.cursor(), 100, 0); // reserving changes nothing a client caches
            assertTrue(at.changes().isEmpty(), at.changes().toString());
            meta.commitBlocks(w, f.ino(), List.of(new BlockRef(0, id, 10, 10, 0)), 10, 1);
            at = expect(meta, reader.session(), at, Change.data(f.ino()));
            meta.setXattr(w, f.ino(), "user.a", new byte[]{1}, 0);
            at = expect(meta, reader.session(), at, Change.attr(f.ino()), Change.xattr(f.ino()));
            meta.rename(w, root, "f", root, "g", 0);
            at = expect(meta, reader.session(), at, Change.entry(root, "f"), Change.entry(root, "g"), Change.attr(root), Change.attr(f.ino()));
            assertArrayEquals(new boolean[]{true, false, false}, meta.xattrHolders(w, new long[]{f.ino(), root, 999_999}));
            assertThrows(FsException.class, () -> meta.unlink(w, root, "missing"));
            meta.release(w, f.ino());
            meta.unlink(w, root, "g");
            // The last name of a closed file: the inode goes with its blocks and xattrs.
            expect(meta, reader.session(), at, Change.entry(root, "g"), Change.attr(root), Change.data(f.ino()), Change.xattr(f.ino()));

            assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> meta.changes(12345, 0, 0, 1, 0)).errno());
        }
    }

    /** The next batch holds exactly {@code want}, in any order (a failed mutation reports nothing). */
    private static ChangeBatch expect(LocalMetaService meta, long session, ChangeBatch at, Change... want) {
        ChangeBatch b = meta.changes(session, at.feed(), at.cursor(), 100, 0);
        assertFalse(b.reset());
        assertEquals(java.util.Set.of(want), java.util.Set.copyOf(b.changes()), b.changes().toString());
        assertEquals(want.length, b.changes().size(), b.changes().toString());
        return b;
    }
}
