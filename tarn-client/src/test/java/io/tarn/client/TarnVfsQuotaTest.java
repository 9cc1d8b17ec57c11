package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The client side of quotas (ADR 0133): writes that grow files fail with EDQUOT at write once the quota
 * (server usage + this client's unflushed growth) is used up, a write that partly fits is short, the
 * server refuses a commit another client's stale view let through, and freeing space lets writes on.
 */
@Timeout(60)
class TarnVfsQuotaTest {
    private final VfsFixture fx = new VfsFixture("none");
    private final TarnVfs vfs = fx.client();
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private static FsException edquot(org.junit.jupiter.api.function.Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(Errno.EDQUOT, e.errno(), e.getMessage());
        return e;
    }

    @Test
    void writesPastTheQuotaFailAtWriteAndFreeingSpaceLetsThemOn() {
        fx.meta.setVolumeQuota("v", 4L * BLOCK, 0);
        Vfs.Created f = vfs.create(c, vfs.rootIno(), "f", 0644, OpenFlags.O_WRONLY);
        assertEquals(3 * BLOCK, vfs.write(f.fh(), 0, buf(pattern(3 * BLOCK, 1))));
        assertEquals(BLOCK, vfs.write(f.fh(), 3L * BLOCK, buf(pattern(2 * BLOCK, 2))), "what fits is written");
        edquot(() -> vfs.write(f.fh(), 4L * BLOCK, buf(new byte[100])));
        assertEquals(BLOCK, vfs.write(f.fh(), 0, buf(pattern(BLOCK, 3))), "an overwrite grows nothing");
        vfs.release(f.fh());
        assertEquals(4L * BLOCK, vfs.statfs(c).usedBytes());
        assertEquals(4L * BLOCK, vfs.getattr(c, f.attr().ino()).size());

        Vfs.Created g = vfs.create(c, vfs.rootIno(), "g", 0644, OpenFlags.O_WRONLY);
        edquot(() -> vfs.write(g.fh(), 0, buf(new byte[1])));
        vfs.unlink(c, vfs.rootIno(), "f");
        assertEquals(2 * BLOCK, vfs.write(g.fh(), 0, buf(pattern(2 * BLOCK, 4))), "after rm the space is free again");
        vfs.release(g.fh());
        assertEquals(2L * BLOCK, vfs.statfs(c).usedBytes());
    }

    @Test
    void whatTwoClientsBufferedBeyondTheQuotaIsRefusedAtCommitWithNothingApplied() {
        fx.meta.setVolumeQuota("v", 3L * BLOCK, 0);
        TarnVfs other = fx.client();
        Vfs.Created a = vfs.create(c, vfs.rootIno(), "a", 0644, OpenFlags.O_WRONLY);
        Vfs.Created b = other.create(c, other.rootIno(), "b", 0644, OpenFlags.O_WRONLY);
        // Neither sees the other's buffers: each may buffer up to the whole free space.
        assertEquals(2 * BLOCK, vfs.write(a.fh(), 0, buf(pattern(2 * BLOCK, 5))));
        assertEquals(2 * BLOCK, other.write(b.fh(), 0, buf(pattern(2 * BLOCK, 6))));
        vfs.fsync(a.fh(), false);
        edquot(() -> other.fsync(b.fh(), false));
        assertEquals(2L * BLOCK, fx.meta.volumeQuota("v").usedBytes(), "nothing of the refused commit applied");
        assertEquals(0, vfs.getattr(c, b.attr().ino()).size());
        edquot(() -> other.release(b.fh()));
        vfs.release(a.fh());
        assertEquals(2L * BLOCK, vfs.statfs(c).usedBytes());
    }

    @Test
    void fallocatePastTheQuotaIsRefusedAndReservesNothing() {
        fx.meta.setVolumeQuota("v", 4L * BLOCK, 0);
        Vfs.Created f = vfs.create(c, vfs.rootIno(), "f", 0644, OpenFlags.O_RDWR);
        edquot(() -> vfs.fallocate(f.fh(), 0, 0, 5L * BLOCK));
        assertEquals(0, vfs.getattr(c, f.attr().ino()).size());
        vfs.fallocate(f.fh(), 0, 0, 3L * BLOCK);
        assertEquals(3L * BLOCK, vfs.getattr(c, f.attr().ino()).size());
        assertEquals(0, vfs.statfs(c).usedBytes(), "an object store has nothing to allocate: fallocate counts nothing");
        vfs.release(f.fh());
    }

    @Test
    void copyFileRangeStopsAtTheQuota() {
        fx.meta.setVolumeQuota("v", 3L * BLOCK, 0);
        Vfs.Created src = vfs.create(c, vfs.rootIno(), "src", 0644, OpenFlags.O_RDWR);
        vfs.write(src.fh(), 0, buf(pattern(2 * BLOCK, 7)));
        vfs.fsync(src.fh(), false);
        Vfs.Created dst = vfs.create(c, vfs.rootIno(), "dst", 0644, OpenFlags.O_RDWR);
        assertEquals(BLOCK, vfs.copyFileRange(src.fh(), 0, dst.fh(), 0, 2L * BLOCK, 0), "a short copy of what fits");
        edquot(() -> vfs.copyFileRange(src.fh(), BLOCK, dst.fh(), BLOCK, BLOCK, 0));
        vfs.release(dst.fh());
        vfs.release(src.fh());
        assertEquals(3L * BLOCK, vfs.statfs(c).usedBytes());
    }
}
