package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Volumes made before ADR 0133 counted file sizes; a service that finds one counts its blocks again once. */
class UsageRecountTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;

    @Test
    void aVolumeThatCountedSizesIsCountedAgainFromItsBlocks() {
        MemoryKvStore kv = new MemoryKvStore();
        LocalMetaService before = new LocalMetaService(kv);
        before.createVolume(new VolumeSpec("old", "mem://old", BS, "none", 0));
        before.createVolume(new VolumeSpec("new", "mem://new", BS, "none", 0));
        SessionInfo s = before.openSession("old", "t");
        Ctx c = new Ctx(s.session(), 0, Caller.ROOT);
        Attr f = before.create(c, 1, "sparse", 0644, 2);
        before.commitBlocks(c, f.ino(), List.of(new BlockRef(7, before.reserveBlockIds(c, 1), 1234, 99, 0)), 8L * BS, 0);
        before.setAttr(c, f.ino(), SetAttr.size(1L << 40));
        before.mkdir(c, 1, "d", 0755);
        long vol = kv.read(r -> Volumes.byName(r, "old").id());
        long newVol = kv.read(r -> Volumes.byName(r, "new").id());
        // What the old code left: sizes in the stripes, spread over several, and no format mark.
        kv.write(w -> {
            w.delete(Keys.counter(vol, Quotas.USAGE_FORMAT));
            Volumes.deletePrefix(w, Keys.inVolume(vol, Keys.USAGE));
            w.put(Keys.usage(vol, 1), ByteBuffer.allocate(16).putLong(0).putLong(1).array());
            w.put(Keys.usage(vol, 5), ByteBuffer.allocate(16).putLong(1L << 40).putLong(2).array());
            return null;
        });
        LocalMetaService after = new LocalMetaService(kv);
        StatFs u = after.volumeQuota("old");
        assertEquals(1234, u.usedBytes(), "the block's length, not the 1 TiB size");
        assertEquals(3, u.usedInodes(), "inode counts are kept");
        assertEquals(1, after.volumeQuota("new").usedInodes(), "a current volume is left alone");
        long mark = kv.read(r -> Keys.toLong(r.get(Keys.counter(newVol, Quotas.USAGE_FORMAT))));
        assertEquals(Quotas.BLOCK_LENGTHS, mark);
        boolean again = kv.write(w -> Quotas.recountIfOld(w, vol));
        assertFalse(again, "once");
        after.close();
    }
}
