package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The codec on its own: extreme values survive, every truncation is EBADMSG, deadlines are honoured. */
@Timeout(30)
class WireCodecTest {
    private static WireIn payloadOf(WireOut out) {
        return new WireIn(out.frame(), Wire.LENGTH_FIELD, out.length() - Wire.LENGTH_FIELD);
    }

    private static WireOut sample() {
        return new WireOut(16)
                .ctx(new Ctx(Long.MIN_VALUE, Long.MAX_VALUE, new Caller(-1, Integer.MIN_VALUE, new int[]{0, -7}, Integer.MAX_VALUE)))
                .attr(new Attr(-1, Attr.S_IFDIR | 07777, Integer.MAX_VALUE, -2, -3, 77, Long.MAX_VALUE, Long.MIN_VALUE, 1, -1))
                .setAttr(new SetAttr(-1, 1, 2, 3, 4, 5, 6, 7))
                .dirPage(new DirPage(List.of(new DirEntry("a", 1, Attr.S_IFREG, null),
                        new DirEntry("ü", 2, Attr.S_IFDIR, new Attr(2, Attr.S_IFDIR, 2, 0, 0, 0, 0, 0, 0, 0))), true))
                .blockRefs(List.of(new BlockRef(Long.MAX_VALUE, -1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE)))
                .volumeInfo(new VolumeInfo("v", null, "s3://b/p", 1 << 22, "zstd", -1, Long.MIN_VALUE, 1))
                .statFs(new StatFs(1, 2, 3, 4))
                .strings(List.of("x", ""))
                .str(null)
                .bytes(null)
                .bytes(new byte[0]);
    }

    @Test
    void extremeValuesRoundTrip() {
        WireOut out = sample();
        WireIn in = payloadOf(out);
        Ctx c = in.ctx();
        assertEquals(Long.MIN_VALUE, c.session());
        assertEquals(Long.MAX_VALUE, c.requestId());
        assertEquals(new Caller(-1, Integer.MIN_VALUE, new int[]{0, -7}, Integer.MAX_VALUE), c.caller());
        assertEquals(new Attr(-1, Attr.S_IFDIR | 07777, Integer.MAX_VALUE, -2, -3, 77, Long.MAX_VALUE, Long.MIN_VALUE, 1, -1), in.attr());
        assertEquals(new SetAttr(-1, 1, 2, 3, 4, 5, 6, 7), in.setAttr());
        DirPage page = in.dirPage();
        assertTrue(page.more());
        assertNull(page.entries().get(0).attr());
        assertEquals("ü", page.entries().get(1).name());
        assertEquals(List.of(new BlockRef(Long.MAX_VALUE, -1, 0, Integer.MAX_VALUE, Integer.MIN_VALUE)), in.blockRefs());
        assertEquals(new VolumeInfo("v", null, "s3://b/p", 1 << 22, "zstd", -1, Long.MIN_VALUE, 1), in.volumeInfo());
        assertEquals(new StatFs(1, 2, 3, 4), in.statFs());
        assertEquals(List.of("x", ""), in.strings());
        assertNull(in.str());
        assertNull(in.bytes());
        assertArrayEquals(new byte[0], in.bytes());
        in.end();
    }

    @Test
    void everyTruncationIsEbadmsg() {
        WireOut out = sample();
        byte[] whole = Arrays.copyOfRange(out.frame(), Wire.LENGTH_FIELD, out.length());
        for (int cut = 0; cut < whole.length; cut++) {
            WireIn in = new WireIn(whole, 0, cut);
            FsException e = assertThrows(FsException.class, () -> {
                in.ctx();
                in.attr();
                in.setAttr();
                in.dirPage();
                in.blockRefs();
                in.volumeInfo();
                in.statFs();
                in.strings();
                in.str();
                in.bytes();
                in.bytes();
                in.end();
            }, "cut at " + cut);
            assertEquals(Errno.EBADMSG, e.errno());
        }
    }

    @Test
    void aRequestThatWaitedPastItsDeadlineIsNotRun() {
        FakeMetaService fake = new FakeMetaService();
        CallDispatcher dispatcher = new CallDispatcher(fake);
        WireOut req = WireOut.request(Op.CREATE).ctx(new Ctx(0, 0, Caller.ROOT)).i64(1).str("late").i32(0644).i32(0);
        byte[] frame = req.frame();
        WireOut.putInt(frame, Wire.DEADLINE_AT, 5);
        byte[] payload = Arrays.copyOfRange(frame, Wire.LENGTH_FIELD, req.length());
        WireOut reply = dispatcher.handle(payload, payload.length, System.nanoTime() - 1_000_000_000L);
        byte[] r = reply.frame();
        assertEquals(Wire.ERROR, r[Wire.LENGTH_FIELD + 8]);
        FsException e = CallDispatcher.decodeError(new WireIn(r, Wire.LENGTH_FIELD + Wire.RESPONSE_HEADER, reply.length() - Wire.LENGTH_FIELD - Wire.RESPONSE_HEADER));
        assertEquals(Errno.ETIMEDOUT, e.errno());
        assertEquals(0, fake.applied.get());
        // the same request on time runs
        reply = dispatcher.handle(payload, payload.length, System.nanoTime());
        assertEquals(Wire.OK, reply.frame()[Wire.LENGTH_FIELD + 8]);
        assertEquals(1, fake.applied.get());
    }

    @Test
    void anUnknownErrnoNameBecomesEioWithTheName() {
        WireOut out = new WireOut(16).str("EWEIRD").str("from a newer server");
        FsException e = CallDispatcher.decodeError(payloadOf(out));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("EWEIRD: from a newer server"), e.getMessage());
    }
}
