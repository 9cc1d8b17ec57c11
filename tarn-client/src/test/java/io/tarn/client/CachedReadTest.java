package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link TarnVfs#readIfCached}, which the FUSE worker calls before handing a READ to another thread:
 * it answers from memory or says it cannot, and never waits for the store or the metadata server.
 */
@Timeout(60)
class CachedReadTest {
    private final VfsFixture fx = new VfsFixture("none");

    @AfterEach
    void close() {
        fx.close();
    }

    /** A file of three blocks and a bit, written and flushed by one client; returns its inode. */
    private long written(byte[] data) {
        TarnVfs w = fx.client();
        Vfs.Created f = w.create(Caller.ROOT, w.rootIno(), "f", 0644, OpenFlags.O_WRONLY);
        w.write(f.fh(), 0, buf(data));
        w.release(f.fh());
        return f.attr().ino();
    }

    @Test
    void answersOnlyWhatIsInMemoryAndNeverFetches() {
        byte[] data = pattern(3 * BLOCK + 100, 3);
        long ino = written(data);
        TarnVfs r = fx.client(ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST));
        long fh = r.open(Caller.ROOT, ino, OpenFlags.O_RDONLY);
        long gets = fx.store.calls(Op.GET);

        assertNull(r.readIfCached(fh, 10, 4096), "nothing fetched yet");
        assertEquals(gets, fx.store.calls(Op.GET), "readIfCached must not fetch");

        // A random read of block 1 fetches it (whole, since it is read twice by range); then block 1 is cached.
        r.read(fh, BLOCK + 5, 10);
        r.read(fh, BLOCK + 50, 10);
        long after = fx.store.calls(Op.GET);
        ByteBuffer inside = r.readIfCached(fh, BLOCK + 7, 4096);
        assertNotNull(inside, "a read inside a cached block is answered at once");
        assertArrayEquals(Arrays.copyOfRange(data, BLOCK + 7, BLOCK + 7 + 4096), bytes(inside));
        // Spanning into block 2, which is not cached: not answered, and still nothing fetched.
        assertNull(r.readIfCached(fh, 2L * BLOCK - 10, 100));
        assertEquals(after, fx.store.calls(Op.GET));

        // Past the end: empty, at once. The tail block once cached: the short end is answered.
        assertEquals(0, r.readIfCached(fh, data.length + 1, 10).remaining());
        r.read(fh, 3L * BLOCK, 100);
        assertArrayEquals(Arrays.copyOfRange(data, 3 * BLOCK, data.length), bytes(r.readIfCached(fh, 3L * BLOCK, 4096)));
        r.release(fh);
    }

    @Test
    void blocksThisClientWroteAreReadBackWithoutAFetch() {
        byte[] data = pattern(3 * BLOCK + 100, 11);
        TarnVfs v = fx.client();
        Vfs.Created f = v.create(Caller.ROOT, v.rootIno(), "w", 0644, OpenFlags.O_RDWR);
        v.write(f.fh(), 0, buf(data));
        v.fsync(f.fh(), false);
        v.read(f.fh(), 0, 1); // the first read after a change updates atime
        long gets = fx.store.calls(Op.GET);
        for (int off = 0; off < data.length; off += 4096) {
            int n = Math.min(4096, data.length - off);
            ByteBuffer b = v.readIfCached(f.fh(), off, n);
            assertNotNull(b, "offset " + off);
            assertArrayEquals(Arrays.copyOfRange(data, off, off + n), bytes(b));
        }
        assertEquals(gets, fx.store.calls(Op.GET), "written blocks, the partial tail too, stay in the block cache");
        v.release(f.fh());
    }

    @Test
    void theViewOfACachedBlockCannotChangeTheCache() {
        byte[] data = pattern(2 * BLOCK, 5);
        long ino = written(data);
        TarnVfs r = fx.client(ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST));
        long fh = r.open(Caller.ROOT, ino, OpenFlags.O_RDONLY);
        r.read(fh, 0, BLOCK);
        ByteBuffer view = r.readIfCached(fh, 0, 4096);
        assertNotNull(view);
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> view.put(0, (byte) 1));
        assertArrayEquals(Arrays.copyOf(data, 4096), bytes(r.read(fh, 0, 4096)));
        r.release(fh);
    }

    @Test
    void unflushedWritesAreAnsweredAndAKnownHoleReadsAsZeros() {
        byte[] data = pattern(BLOCK + 1000, 7);
        TarnVfs v = fx.client();
        Vfs.Created f = v.create(Caller.ROOT, v.rootIno(), "d", 0644, OpenFlags.O_RDWR);
        v.write(f.fh(), 0, buf(data));
        // The first read after a change updates atime (relatime), a metadata call: not answered from memory.
        assertNull(v.readIfCached(f.fh(), 0, 10));
        v.read(f.fh(), 0, 10);
        // Not flushed: the partial block 1 is in this client's block buffer only (block 0, full, may be
        // uploading already).
        byte[] got = bytes(v.readIfCached(f.fh(), BLOCK + 10, 500));
        assertArrayEquals(Arrays.copyOfRange(data, BLOCK + 10, BLOCK + 510), got);
        // A write far beyond the end leaves a hole. Whether block 2 is a hole is known once the block map
        // was asked (by a normal read); from then on the hole reads as zeros from memory too.
        v.write(f.fh(), 3L * BLOCK, buf(new byte[]{9}));
        assertArrayEquals(new byte[100], bytes(v.read(f.fh(), 2L * BLOCK + 10, 100)));
        assertArrayEquals(new byte[100], bytes(v.readIfCached(f.fh(), 2L * BLOCK + 10, 100)));
        v.release(f.fh());
    }

    @Test
    void aHandleNotOpenForReadingIsRefusedAsByRead() {
        long ino = written(pattern(100, 1));
        TarnVfs r = fx.client();
        long fh = r.open(Caller.ROOT, ino, OpenFlags.O_WRONLY);
        assertEquals(io.tarn.api.Errno.EBADF,
                assertThrows(io.tarn.api.FsException.class, () -> r.readIfCached(fh, 0, 10)).errno());
        r.release(fh);
    }
}
