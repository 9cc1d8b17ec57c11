package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Usage and quotas (ADR 0133): bytes used are the lengths of live blocks (holes, sizes and history count
 * nothing), inodes are every inode not yet destroyed; a mutation that would grow usage past a quota fails
 * with EDQUOT and changes nothing, and freeing space lets it through again.
 */
public abstract class QuotaContract extends GarbageContract {

    private BlockRef block(long index, int length) {
        return new BlockRef(index, meta.reserveBlockIds(root(), 1), length, length / 2 + 16, (int) index * 5 + 3);
    }

    private long usedBytes() {
        return meta.statFs(root()).usedBytes();
    }

    private long usedInodes() {
        return meta.statFs(root()).usedInodes();
    }

    @Test
    void usageCountsBlocksNotSizes() {
        Attr f = meta.create(root(), root, "sparse", 0644, O_RDWR);
        // A sparse file: one block far out, the size well past a thousand blocks.
        meta.commitBlocks(root(), f.ino(), List.of(block(1000, BLOCK)), 1001L * BLOCK, 0);
        assertEquals(BLOCK, usedBytes(), "holes count nothing");
        meta.setAttr(root(), f.ino(), SetAttr.size(1L << 40));
        assertEquals(BLOCK, usedBytes(), "extending by truncate makes a hole");
        meta.commitBlocks(root(), f.ino(), List.of(block(0, 300)), 0, 0);
        assertEquals(BLOCK + 300, usedBytes());
        meta.commitBlocks(root(), f.ino(), List.of(block(0, 100)), 0, 0);
        assertEquals(BLOCK + 100, usedBytes(), "an overwrite counts its new length only");
        meta.commitBlocks(root(), f.ino(), List.of(block(1, BLOCK), block(2, BLOCK)), 0, 0);
        assertEquals(3L * BLOCK + 100, usedBytes());
        meta.punchBlocks(root(), f.ino(), 1, 1);
        assertEquals(2L * BLOCK + 100, usedBytes(), "a punched block is freed");
        meta.setAttr(root(), f.ino(), SetAttr.size(2L * BLOCK + 10));
        assertEquals(110, usedBytes(), "truncate drops blocks past the end and trims the last one");
        meta.setAttr(root(), f.ino(), SetAttr.size(0));
        assertEquals(0, usedBytes());
        meta.release(root(), f.ino());
        meta.unlink(root(), root, "sparse");
        assertEquals(1, usedInodes());
    }

    @Test
    void unlinkedOpenFilesCountUntilTheirLastRelease() {
        SessionInfo other = meta.openSession(vol.name(), "holder");
        Ctx holder = new Ctx(other.session(), 0, root().caller());
        try {
            Attr f = meta.create(holder, root, "held", 0644, O_RDWR);
            meta.commitBlocks(holder, f.ino(), List.of(block(0, 1000), block(1, 500)), BLOCK + 500, 0);
            meta.unlink(root(), root, "held");
            assertEquals(1500, usedBytes(), "an open orphan still holds its blocks");
            assertEquals(2, usedInodes());
            meta.commitBlocks(holder, f.ino(), List.of(block(2, 10)), 0, 0);
            assertEquals(1510, usedBytes(), "and may still grow");
            meta.release(holder, f.ino());
            assertEquals(0, usedBytes());
            assertEquals(1, usedInodes());
        } finally {
            meta.closeSession(other.session());
        }
    }

    @Test
    void renameOverAFileFreesTheReplacedOne() {
        Attr a = meta.create(root(), root, "a", 0644, O_RDWR);
        meta.commitBlocks(root(), a.ino(), List.of(block(0, 700)), 700, 0);
        meta.release(root(), a.ino());
        Attr b = meta.create(root(), root, "b", 0644, O_RDWR);
        meta.commitBlocks(root(), b.ino(), List.of(block(0, 40)), 40, 0);
        meta.release(root(), b.ino());
        assertEquals(740, usedBytes());
        meta.rename(root(), root, "b", root, "a", 0);
        assertEquals(40, usedBytes());
        assertEquals(2, usedInodes());
        Attr c = meta.create(root(), root, "c", 0644, O_RDWR);
        meta.release(root(), c.ino());
        meta.link(root(), c.ino(), root, "c2");
        assertEquals(3, usedInodes(), "a hard link is no new inode");
        meta.symlink(root(), root, "s", "a");
        meta.mkdir(root(), root, "d", 0755);
        assertEquals(5, usedInodes(), "files, directories and symlinks count");
    }

    @Test
    void quotasAreSetKeptAndCleared() {
        StatFs none = meta.volumeQuota(vol.name());
        assertEquals(0, none.quotaBytes());
        assertEquals(0, none.quotaInodes());
        StatFs set = meta.setVolumeQuota(vol.name(), 10L * BLOCK, 100);
        assertEquals(10L * BLOCK, set.quotaBytes());
        assertEquals(100, set.quotaInodes());
        assertEquals(1, set.usedInodes());
        assertEquals(set, meta.volumeQuota(vol.name()));
        assertEquals(set, meta.statFs(root()), "statfs of a session shows the same");
        StatFs bytesOnly = meta.setVolumeQuota(vol.name(), -1, 0);
        assertEquals(10L * BLOCK, bytesOnly.quotaBytes(), "-1 keeps a limit");
        assertEquals(0, bytesOnly.quotaInodes(), "0 clears one");
        assertEquals(0, meta.setVolumeQuota(vol.name(), 0, -1).quotaBytes());
        expect(Errno.EINVAL, () -> meta.setVolumeQuota(vol.name(), -2, 0));
        expect(Errno.ENOENT, () -> meta.setVolumeQuota("no-such-volume", 1, 1));
        expect(Errno.ENOENT, () -> meta.volumeQuota("no-such-volume"));
    }

    @Test
    void growthPastTheByteQuotaFailsWithEdquotAndChangesNothing() {
        meta.setVolumeQuota(vol.name(), 3L * BLOCK, 0);
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        BlockRef b0 = block(0, BLOCK), b1 = block(1, BLOCK);
        meta.commitBlocks(root(), f.ino(), List.of(b0, b1), 2L * BLOCK, 0);
        Attr before = meta.getAttr(root(), f.ino());
        expect(Errno.EDQUOT, () -> meta.commitBlocks(root(), f.ino(), List.of(block(2, BLOCK), block(3, 1)), 4L * BLOCK, 0));
        assertEquals(before, meta.getAttr(root(), f.ino()), "size and times unchanged");
        assertEquals(List.of(b0, b1), meta.blocks(root(), f.ino(), 0, 10), "no block of the refused commit applied");
        assertEquals(2L * BLOCK, usedBytes());
        Ctx once = root().withRequestId(nextRequestId());
        expect(Errno.EDQUOT, () -> meta.commitBlocks(once, f.ino(), List.of(block(2, BLOCK), block(3, 1)), 4L * BLOCK, 0));
        // Exactly up to the quota is allowed; rewriting in place with no growth is allowed when full.
        meta.commitBlocks(root(), f.ino(), List.of(block(2, BLOCK)), 3L * BLOCK, 0);
        assertEquals(3L * BLOCK, usedBytes());
        meta.commitBlocks(root(), f.ino(), List.of(block(1, BLOCK)), 0, 0);
        expect(Errno.EDQUOT, () -> meta.commitBlocks(root(), f.ino(), List.of(block(3, 1)), 0, 0));
        // Freeing space lets writes through again: punch, truncate, unlink.
        meta.punchBlocks(root(), f.ino(), 0, 1);
        meta.commitBlocks(root(), f.ino(), List.of(block(3, BLOCK)), 4L * BLOCK, 0);
        meta.setAttr(root(), f.ino(), SetAttr.size(BLOCK));
        assertEquals(0, usedBytes(), "block 0 was a hole");
        meta.commitBlocks(root(), f.ino(), List.of(block(0, BLOCK), block(1, BLOCK), block(2, BLOCK)), 3L * BLOCK, 0);
        meta.release(root(), f.ino());
        Attr g = meta.create(root(), root, "g", 0644, O_RDWR);
        expect(Errno.EDQUOT, () -> meta.commitBlocks(root(), g.ino(), List.of(block(0, 1)), 1, 0));
        meta.unlink(root(), root, "f");
        meta.commitBlocks(root(), g.ino(), List.of(block(0, 1)), 1, 0);
        meta.release(root(), g.ino());
        // A quota lowered below the usage refuses growth but not shrinking.
        meta.setVolumeQuota(vol.name(), 1, -1);
        expect(Errno.EDQUOT, () -> meta.commitBlocks(root(), g.ino(), List.of(block(1, 1)), 0, 0));
        meta.setAttr(root(), g.ino(), SetAttr.size(0));
        assertEquals(0, usedBytes());
    }

    @Test
    void creationsPastTheInodeQuotaFailWithEdquot() {
        meta.setVolumeQuota(vol.name(), 0, 3);
        long d = meta.mkdir(root(), root, "d", 0755).ino();
        file(root(), d, "f", 0644);
        expect(Errno.EDQUOT, () -> meta.create(root(), root, "g", 0644, O_RDWR));
        expect(Errno.EDQUOT, () -> meta.mkdir(root(), root, "e", 0755));
        expect(Errno.EDQUOT, () -> meta.symlink(root(), root, "s", "d"));
        expect(Errno.EDQUOT, () -> meta.mknod(root(), root, "p", Attr.S_IFIFO | 0644, 0));
        expect(Errno.ENOENT, () -> meta.lookup(root(), root, "g"));
        assertEquals(List.of("d"), names(root), "nothing of the refused creations is left");
        meta.link(root(), meta.lookup(root(), d, "f").ino(), root, "f2");
        assertEquals(3, usedInodes(), "links need no inode");
        meta.unlink(root(), d, "f");
        meta.unlink(root(), root, "f2");
        file(root(), root, "g", 0644);
        assertEquals(3, usedInodes());
    }
}
