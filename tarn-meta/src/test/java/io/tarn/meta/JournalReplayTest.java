package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import io.tarn.api.kv.KvEntry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The history design of ADR 0020 in miniature: a copy of a volume's namespace keys at one instant
 * plus the journal records after it reproduce the namespace of a later instant exactly.
 */
class JournalReplayTest {
    private static final int BS = VolumeSpec.MIN_BLOCK_SIZE;

    @Test
    void checkpointPlusJournalReproducesALaterState() {
        MutableClock clock = new MutableClock();
        MemoryKvStore kv = new MemoryKvStore();
        try (LocalMetaService meta = new LocalMetaService(kv, clock, Duration.ofSeconds(30))) {
            meta.createVolume(new VolumeSpec("h", "mem://h", BS, "none", 3600));
            SessionInfo s = meta.openSession("h", "t");
            Ctx c = new Ctx(s.session(), 0, Caller.ROOT);
            long vol = kv.read(r -> Volumes.byName(r, "h").id());
            long d = meta.mkdir(c, 1, "d", 0755).ino();
            Attr f = meta.create(c, d, "f", 0644, 2);
            meta.commitBlocks(c, f.ino(), List.of(new BlockRef(0, meta.reserveBlockIds(c, 1), BS, BS, 1)), BS, 0);
            meta.setXattr(c, f.ino(), "user.k", new byte[]{1}, 0);

            TreeMap<String, String> checkpoint = namespace(kv, vol);
            byte[] journal = Keys.inVolume(vol, Keys.JOURNAL);
            List<KvEntry> before = kv.read(r -> r.scan(journal, Keys.end(journal), Integer.MAX_VALUE));
            byte[] lastKey = before.getLast().key();

            clock.advance(Duration.ofSeconds(1));
            meta.link(c, f.ino(), 1, "g");
            meta.rename(c, d, "f", 1, "f2", 0);
            meta.mkdir(c, d, "sub", 0700);
            meta.rename(c, 1, "d", 1, "f2", MetaService.RENAME_EXCHANGE);
            meta.setAttr(c, f.ino(), SetAttr.size(100));
            meta.removeXattr(c, f.ino(), "user.k");
            meta.symlink(c, 1, "l", "g");
            meta.create(c, 1, "held", 0600, 2);
            meta.unlink(c, 1, "held");
            meta.closeSession(s.session()); // destroys the orphan: journaled as well
            TreeMap<String, String> later = namespace(kv, vol);

            MemoryKvStore view = new MemoryKvStore();
            view.write(w -> {
                checkpoint.forEach((k, v) -> w.put(Base64.getDecoder().decode(k), Base64.getDecoder().decode(v)));
                for (KvEntry e : kv.read(r -> r.scan(Keys.after(lastKey), Keys.end(journal), Integer.MAX_VALUE)))
                    Journal.replay(e.value(), vol, w);
                return null;
            });
            assertEquals(later, namespace(view, vol));
        }
    }

    /** The journaled spaces of one volume, keys and values base64 so the comparison shows diffs. */
    private static TreeMap<String, String> namespace(MemoryKvStore kv, long vol) {
        byte[] prefix = Keys.volumeData(vol);
        TreeMap<String, String> out = new TreeMap<>();
        for (KvEntry e : kv.read(r -> r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE)))
            if (Journal.journaled(e.key(), prefix))
                out.put(Base64.getEncoder().encodeToString(e.key()), Base64.getEncoder().encodeToString(e.value()));
        return out;
    }
}
