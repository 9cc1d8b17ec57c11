package io.tarn.client;

import io.tarn.api.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two clients writing disjoint ranges of one block, each from a stale copy of it: both writes survive
 * the two commits (ADR 0111), where a commit used to replace the block whole.
 */
@Timeout(60)
class DisjointWritersTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private static long file(TarnVfs v, String name) {
        return v.lookup(Caller.ROOT, v.rootIno(), name).ino();
    }

    private static byte[] read(TarnVfs v, String name, int n) {
        long fh = v.open(Caller.ROOT, file(v, name), OpenFlags.O_RDONLY);
        try {
            return bytes(v.read(fh, 0, n));
        } finally {
            v.release(fh);
        }
    }

    @Test
    void disjointRangesOfOneBlockFromTwoClientsAreBothKept() {
        TarnVfs a = fx.client(), b = fx.client();
        byte[] base = pattern(BLOCK + 1000, 1);
        Vfs.Created f = a.create(c, a.rootIno(), "f", 0644, OpenFlags.O_RDWR);
        a.write(f.fh(), 0, buf(base));
        a.release(f.fh());

        long ino = file(b, "f");
        long fa = a.open(c, ino, OpenFlags.O_RDWR), fb = b.open(c, ino, OpenFlags.O_RDWR);
        byte[] one = pattern(100, 2), two = pattern(300, 3), tail = pattern(50, 4);
        a.write(fa, 10, buf(one));
        b.write(fb, 5000, buf(two));             // same block, another range, from the same old copy
        b.write(fb, BLOCK + 1000, buf(tail));    // and an append into the last, partial block
        a.fsync(fa, false);
        b.fsync(fb, false);
        a.release(fa);
        b.release(fb);

        byte[] want = Arrays.copyOf(base, BLOCK + 1050);
        System.arraycopy(one, 0, want, 10, one.length);
        System.arraycopy(two, 0, want, 5000, two.length);
        System.arraycopy(tail, 0, want, BLOCK + 1000, tail.length);
        assertArrayEquals(want, read(fx.client(), "f", BLOCK + 2000));
    }

    @Test
    void aBlockTheOtherClientExtendedKeepsItsTail() {
        TarnVfs a = fx.client(), b = fx.client();
        Vfs.Created f = a.create(c, a.rootIno(), "g", 0644, OpenFlags.O_RDWR);
        a.write(f.fh(), 0, buf(pattern(1000, 5)));
        a.release(f.fh());
        long ino = file(b, "g");
        long fa = a.open(c, ino, OpenFlags.O_RDWR), fb = b.open(c, ino, OpenFlags.O_RDWR);
        byte[] more = pattern(2000, 6), patch = pattern(10, 7);
        a.write(fa, 1000, buf(more));   // a grows the block to 3000 bytes and commits first
        a.release(fa);
        b.write(fb, 0, buf(patch));     // b, from the 1000-byte copy, patches the start
        b.release(fb);

        byte[] got = read(fx.client(), "g", 4000);
        assertEquals(3000, got.length, "the block keeps the other client's growth");
        assertArrayEquals(patch, Arrays.copyOf(got, 10));
        assertArrayEquals(more, Arrays.copyOfRange(got, 1000, 3000));
    }
}
