package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.LiveBlock;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Block map entries written before inline blocks existed (ADR 0141) read as blocks with an object. */
class InlineBlockEntryTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;

    @Test
    void anEntryInTheOldLayoutDecodesWithoutAPayload() {
        MemoryKvStore kv = new MemoryKvStore();
        LocalMetaService svc = new LocalMetaService(kv);
        svc.createVolume(new VolumeSpec("v", "mem://v", BS, "none", 0));
        SessionInfo s = svc.openSession("v", "t");
        Ctx c = new Ctx(s.session(), 0, Caller.ROOT);
        Attr f = svc.create(c, 1, "old", 0644, 2);
        long id = svc.reserveBlockIds(c, 1);
        long vol = kv.read(r -> Volumes.byName(r, "v").id());
        // Exactly the bytes the code before ADR 0141 wrote: blockId, length, storedLength, checksum.
        byte[] legacy = ByteBuffer.allocate(20).putLong(id).putInt(4000).putInt(4100).putInt(0x1234).array();
        kv.write(w -> {
            w.put(Keys.block(vol, f.ino(), 0), legacy);
            return null;
        });
        BlockRef expected = new BlockRef(0, id, 4000, 4100, 0x1234);
        assertEquals(List.of(expected), svc.blocks(c, f.ino(), 0, 10));
        assertFalse(svc.blocks(c, f.ino(), 0, 10).getFirst().isInline());
        assertEquals(List.of(new LiveBlock(f.ino(), expected, false)), svc.liveBlocks("v", null, 10));
        assertArrayEquals(legacy, VolumeTx.encodeBlock(expected), "a block with an object is still written in the old layout");

        BlockRef inline = new BlockRef(0, id + 1, 3, 5, 9, new byte[]{1, 2, 3, 4, 5});
        byte[] v = VolumeTx.encodeBlock(inline);
        assertEquals(25, v.length);
        assertEquals(inline, VolumeTx.decodeBlock(0, v));
        svc.close();
    }
}
