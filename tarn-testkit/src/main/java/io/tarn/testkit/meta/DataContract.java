package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Block maps, truncation, block id reservation and extended attributes. */
public abstract class DataContract extends AttrContract {

    private BlockRef block(long index, int length) {
        return new BlockRef(index, meta.reserveBlockIds(root(), 1), length, length + 16, (int) index * 7);
    }

    @Test
    void commitAndReadBlockMaps() {
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        BlockRef b0 = block(0, BLOCK), b1 = block(1, BLOCK), b3 = block(3, 100);
        Attr a = meta.commitBlocks(root(), f.ino(), List.of(b0, b1, b3), 3L * BLOCK + 100, 123_456_789L);
        assertEquals(3L * BLOCK + 100, a.size());
        assertEquals(123_456_789L, a.mtimeNs());
        assertEquals(List.of(b0, b1, b3), meta.blocks(root(), f.ino(), 0, 10));
        assertEquals(List.of(b1), meta.blocks(root(), f.ino(), 1, 2), "index 2 is a hole");
        assertEquals(List.of(b3), meta.blocks(root(), f.ino(), 2, 5));
        assertTrue(meta.blocks(root(), f.ino(), 4, 100).isEmpty());
        BlockRef b1b = block(1, BLOCK);
        Attr smaller = meta.commitBlocks(root(), f.ino(), List.of(b1b), 10, 0);
        assertEquals(3L * BLOCK + 100, smaller.size(), "commit never shrinks a file");
        assertEquals(List.of(b0, b1b, b3), meta.blocks(root(), f.ino(), 0, 10));
        Attr d = meta.mkdir(root(), root, "d", 0755);
        expect(Errno.EISDIR, () -> meta.commitBlocks(root(), d.ino(), List.of(block(0, 1)), 1, 0));
        expect(Errno.EISDIR, () -> meta.blocks(root(), d.ino(), 0, 1));
        expect(Errno.ENOENT, () -> meta.blocks(root(), 999_999_999L, 0, 1));
        expect(Errno.EINVAL, () -> meta.commitBlocks(root(), f.ino(), List.of(new BlockRef(-1, 5, 1, 1, 0)), 1, 0));
        meta.release(root(), f.ino());
    }

    @Test
    void punchedBlocksBecomeHolesAndTheSizeStays() {
        Attr f = meta.create(root(), root, "punched", 0644, O_RDWR);
        BlockRef b0 = block(0, BLOCK), b1 = block(1, BLOCK), b2 = block(2, BLOCK), b3 = block(3, 10);
        meta.commitBlocks(root(), f.ino(), List.of(b0, b1, b2, b3), 3L * BLOCK + 10, 0);
        Attr a = meta.punchBlocks(root(), f.ino(), 1, 2);
        assertEquals(3L * BLOCK + 10, a.size());
        assertEquals(List.of(b0, b3), meta.blocks(root(), f.ino(), 0, 10));
        meta.punchBlocks(root(), f.ino(), 3, Long.MAX_VALUE);
        assertEquals(List.of(b0), meta.blocks(root(), f.ino(), 0, 10));
        expect(Errno.EINVAL, () -> meta.punchBlocks(root(), f.ino(), -1, 1));
        Attr d = meta.mkdir(root(), root, "punch-dir", 0755);
        expect(Errno.EISDIR, () -> meta.punchBlocks(root(), d.ino(), 0, 1));
        meta.release(root(), f.ino());
    }

    @Test
    void writesClearSetuidForUnprivilegedWriters() {
        Ctx alice = user(1000, 1000);
        Attr f = meta.create(alice, openDir("d"), "f", 0755, O_RDWR);
        meta.setAttr(alice, f.ino(), SetAttr.mode(06755));
        Attr w = meta.commitBlocks(alice, f.ino(), List.of(block(0, 10)), 10, 0);
        assertEquals(0, w.mode() & (Attr.S_ISUID | Attr.S_ISGID));
        meta.setAttr(root(), f.ino(), SetAttr.mode(06755));
        assertEquals(06755, meta.commitBlocks(root(), f.ino(), List.of(block(0, 10)), 10, 0).perms(), "root keeps them");
        meta.release(alice, f.ino());
        Ctx bob = user(1001, 1001);
        expect(Errno.EACCES, () -> meta.commitBlocks(bob, f.ino(), List.of(block(0, 10)), 10, 0));
    }

    @Test
    void truncateDropsAndTrimsBlocks() {
        Attr f = meta.create(root(), root, "f", 0644, O_RDWR);
        BlockRef b0 = block(0, BLOCK), b1 = block(1, BLOCK), b2 = block(2, BLOCK);
        meta.commitBlocks(root(), f.ino(), List.of(b0, b1, b2), 3L * BLOCK, 0);
        Attr t = meta.setAttr(root(), f.ino(), SetAttr.size(BLOCK + 100));
        assertEquals(BLOCK + 100, t.size());
        List<BlockRef> left = meta.blocks(root(), f.ino(), 0, 10);
        assertEquals(2, left.size());
        assertEquals(b0, left.get(0));
        assertEquals(new BlockRef(1, b1.blockId(), 100, b1.storedLength(), b1.checksum()), left.get(1),
                "the last block is trimmed so old bytes never reappear");
        Attr grown = meta.setAttr(root(), f.ino(), SetAttr.size(5L * BLOCK));
        assertEquals(5L * BLOCK, grown.size());
        assertEquals(100, meta.blocks(root(), f.ino(), 1, 1).getFirst().length());
        assertEquals(BLOCK + 100, meta.statFs(root()).usedBytes(), "usage counts blocks, not the size (ADR 0133)");
        meta.setAttr(root(), f.ino(), SetAttr.size(BLOCK));
        assertEquals(List.of(b0), meta.blocks(root(), f.ino(), 0, 10));
        meta.setAttr(root(), f.ino(), SetAttr.size(0));
        assertTrue(meta.blocks(root(), f.ino(), 0, 10).isEmpty());
        Attr d = meta.mkdir(root(), root, "d", 0755);
        expect(Errno.EISDIR, () -> meta.setAttr(root(), d.ino(), SetAttr.size(0)));
        expect(Errno.EINVAL, () -> meta.setAttr(root(), f.ino(), SetAttr.size(-1)));
        meta.release(root(), f.ino());
        Ctx bob = user(1001, 1001);
        expect(Errno.EACCES, () -> meta.setAttr(bob, f.ino(), SetAttr.size(0)));
    }

    private BlockRef inlineBlock(long index, int length, int payloadLength) {
        byte[] payload = new byte[payloadLength];
        new java.util.Random(length * 31L + payloadLength).nextBytes(payload);
        return new BlockRef(index, meta.reserveBlockIds(root(), 1), length, payloadLength, length * 3 + 1, payload);
    }

    @Test
    void inlineBlocksKeepTheirPayloadInTheBlockMap() {
        Attr f = meta.create(root(), root, "tiny", 0644, O_RDWR);
        BlockRef small = inlineBlock(0, 100, 150);
        meta.commitBlocks(root(), f.ino(), List.of(small), 100, 0);
        BlockRef back = meta.blocks(root(), f.ino(), 0, 1).getFirst();
        assertEquals(small, back, "the payload compares by content");
        assertNotSame(small.inline(), back.inline());
        assertTrue(back.isInline());
        assertEquals(100, meta.statFs(root()).usedBytes(), "usage counts the plain length (ADR 0133)");

        BlockRef largest = inlineBlock(0, BLOCK, BlockRef.INLINE_MAX);
        meta.commitBlocks(root(), f.ino(), List.of(largest), BLOCK, 0);
        assertEquals(List.of(largest), meta.blocks(root(), f.ino(), 0, 1), "a payload of the hard cap is accepted");
        meta.setAttr(root(), f.ino(), SetAttr.size(10));
        assertEquals(largest.withLength(10), meta.blocks(root(), f.ino(), 0, 1).getFirst(), "a truncation keeps the payload");

        BlockRef plain = block(0, 4096);
        meta.commitBlocks(root(), f.ino(), List.of(plain), 4096, 0);
        assertEquals(List.of(plain), meta.blocks(root(), f.ino(), 0, 1), "a block with an object replaces the inline one");
        assertFalse(meta.blocks(root(), f.ino(), 0, 1).getFirst().isInline());
        meta.release(root(), f.ino());
    }

    @Test
    void anInlinePayloadOverTheHardCapIsRefusedWithNothingApplied() {
        Attr f = meta.create(root(), root, "too-big", 0644, O_RDWR);
        BlockRef b0 = inlineBlock(0, 1000, 1000);
        meta.commitBlocks(root(), f.ino(), List.of(b0), 1000, 0);
        long used = meta.statFs(root()).usedBytes();
        BlockRef b1 = block(1, BLOCK);
        expect(Errno.EINVAL, () -> meta.commitBlocks(root(), f.ino(), List.of(b1, inlineBlock(0, BLOCK, BlockRef.INLINE_MAX + 1)), 2L * BLOCK, 0));
        BlockRef mismatched = new BlockRef(0, meta.reserveBlockIds(root(), 1), 10, 11, 0, new byte[10]);
        expect(Errno.EINVAL, () -> meta.commitBlocks(root(), f.ino(), List.of(b1, mismatched), 2L * BLOCK, 0));
        expect(Errno.EINVAL, () -> meta.commitBlocks(root(), f.ino(), List.of(new BlockRef(0, b1.blockId() + 1, 0, 0, 0, new byte[0])), 0, 0));
        assertEquals(List.of(b0), meta.blocks(root(), f.ino(), 0, 10), "no block of a refused commit is applied");
        assertEquals(1000, meta.getAttr(root(), f.ino()).size());
        assertEquals(used, meta.statFs(root()).usedBytes());
        meta.release(root(), f.ino());
    }

    @Test
    void reservedBlockIdsNeverRepeat() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int n = 1 + i % 4;
            long first = meta.reserveBlockIds(root(), n);
            assertTrue(first > 0);
            for (long id = first; id < first + n; id++) assertTrue(seen.add(id), "id " + id + " handed out twice");
        }
        expect(Errno.EINVAL, () -> meta.reserveBlockIds(root(), 0));
        expect(Errno.EINVAL, () -> meta.reserveBlockIds(root(), -3));
    }

    @Test
    void xattrsSetGetListRemove() {
        Attr f = file(root(), root, "f", 0644);
        meta.setXattr(root(), f.ino(), "user.a", new byte[]{1, 2, 3}, 0);
        meta.setXattr(root(), f.ino(), "user.empty", new byte[0], 0);
        assertArrayEquals(new byte[]{1, 2, 3}, meta.getXattr(root(), f.ino(), "user.a"));
        assertArrayEquals(new byte[0], meta.getXattr(root(), f.ino(), "user.empty"));
        assertEquals(List.of("user.a", "user.empty"), meta.listXattr(root(), f.ino()).stream().sorted().toList());
        expect(Errno.EEXIST, () -> meta.setXattr(root(), f.ino(), "user.a", new byte[]{9}, MetaService.XATTR_CREATE));
        expect(Errno.ENODATA, () -> meta.setXattr(root(), f.ino(), "user.b", new byte[]{9}, MetaService.XATTR_REPLACE));
        meta.setXattr(root(), f.ino(), "user.a", new byte[]{9}, MetaService.XATTR_REPLACE);
        assertArrayEquals(new byte[]{9}, meta.getXattr(root(), f.ino(), "user.a"));
        expect(Errno.ENODATA, () -> meta.getXattr(root(), f.ino(), "user.nope"));
        meta.removeXattr(root(), f.ino(), "user.a");
        expect(Errno.ENODATA, () -> meta.getXattr(root(), f.ino(), "user.a"));
        expect(Errno.ENODATA, () -> meta.removeXattr(root(), f.ino(), "user.a"));
        expect(Errno.ENOTSUP, () -> meta.setXattr(root(), f.ino(), "bogus.a", new byte[1], 0));
        expect(Errno.ERANGE, () -> meta.setXattr(root(), f.ino(), "user." + "x".repeat(300), new byte[1], 0));
        expect(Errno.E2BIG, () -> meta.setXattr(root(), f.ino(), "user.big", new byte[65537], 0));
        expect(Errno.ENOENT, () -> meta.getXattr(root(), 999_999_999L, "user.a"));
        Ctx bob = user(1001, 1001);
        expect(Errno.EACCES, () -> meta.setXattr(bob, f.ino(), "user.b", new byte[1], 0));
        assertArrayEquals(new byte[0], meta.getXattr(bob, f.ino(), "user.empty"));
        expect(Errno.EPERM, () -> meta.setXattr(bob, f.ino(), "trusted.t", new byte[1], 0));
        meta.setXattr(root(), f.ino(), "trusted.t", new byte[]{5}, 0);
        assertFalse(meta.listXattr(bob, f.ino()).contains("trusted.t"));
        assertTrue(meta.listXattr(root(), f.ino()).contains("trusted.t"));
        meta.unlink(root(), root, "f");
        Attr g = file(root(), root, "g", 0644);
        assertTrue(meta.listXattr(root(), g.ino()).isEmpty());
    }
}
