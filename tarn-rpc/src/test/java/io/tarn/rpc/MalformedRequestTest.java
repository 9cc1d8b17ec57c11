package io.tarn.rpc;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Bad bytes on the wire get an error reply or a closed connection; the server keeps serving everyone else. */
@Timeout(60)
class MalformedRequestTest {
    private static final Ctx ROOT = new Ctx(0, 0, Caller.ROOT);
    private final FakeMetaService fake = new FakeMetaService();
    private RpcServer server;
    private RemoteMetaService bystander;

    @BeforeEach
    void start() {
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", 0), 64 * 1024);
        bystander = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults());
        assertEquals(1, bystander.getAttr(ROOT, 1).ino());
    }

    @AfterEach
    void stop() {
        // the client that was connected all along still works, and so does a new one
        assertEquals(1, bystander.getAttr(ROOT, 1).ino());
        try (RemoteMetaService fresh = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            assertEquals(1, fresh.getAttr(ROOT, 1).ino());
        }
        bystander.close();
        server.close();
    }

    /** A raw connection speaking (or not) the protocol by hand. */
    private final class Raw implements AutoCloseable {
        final Socket s = new Socket();
        final DataInputStream in;
        final OutputStream out;

        Raw(boolean hello) throws IOException {
            s.connect(server.address());
            s.setSoTimeout(20_000);
            in = new DataInputStream(s.getInputStream());
            out = s.getOutputStream();
            if (hello) {
                out.write(new byte[]{'T', 'R', 'P', 'C', 0, Wire.VERSION_MIN, 0, Wire.VERSION_MAX, 0, 0x10, 0, 0});
                byte[] reply = in.readNBytes(Wire.SERVER_HELLO_LENGTH);
                assertEquals(Wire.MAGIC, WireIn.getInt(reply, 0));
                assertEquals(Wire.VERSION_MAX, reply[5]);
            }
        }

        void send(WireOut frame) throws IOException {
            out.write(frame.frame(), 0, frame.length());
        }

        void sendRaw(byte[] b) throws IOException {
            out.write(b);
        }

        /** Reads one reply frame; returns null for OK, the error otherwise. */
        FsException reply(long expectCallId) throws IOException {
            int n = in.readInt();
            byte[] p = in.readNBytes(n);
            assertEquals(expectCallId, WireIn.getLong(p, 0));
            return p[8] == Wire.OK ? null : CallDispatcher.decodeError(new WireIn(p, 9, n - 9));
        }

        void expectClosed() throws IOException {
            try {
                assertEquals(-1, in.read(), "the server should close this connection");
            } catch (java.net.SocketException reset) {
                // a reset is a close too
            }
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static WireOut request(Op op, long callId) {
        WireOut o = WireOut.request(op);
        WireOut.putLong(o.frame(), Wire.CALL_ID_AT, callId);
        return o;
    }

    private static WireOut getAttr(long callId) {
        return request(Op.GET_ATTR, callId).ctx(ROOT).i64(1);
    }

    @Test
    void garbageInsteadOfAHelloIsClosed() throws IOException {
        try (Raw r = new Raw(false)) {
            r.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            r.expectClosed();
        }
    }

    @Test
    void anUnknownVersionIsRefusedInTheHandshake() throws IOException {
        try (Raw r = new Raw(false)) {
            r.sendRaw(new byte[]{'T', 'R', 'P', 'C', 0, 90, 0, 99, 0, 0x10, 0, 0});
            byte[] reply = r.in.readNBytes(Wire.SERVER_HELLO_LENGTH);
            assertEquals(0, reply[4] | reply[5]);
            r.expectClosed();
        }
    }

    @Test
    void aVersionOneClientIsRefusedInTheHandshake() throws IOException {
        // Version 2 changed the volume layout (encryption) and added tokens: a version 1 peer would misread frames.
        try (Raw r = new Raw(false)) {
            r.sendRaw(new byte[]{'T', 'R', 'P', 'C', 0, 1, 0, 1, 0, 0x10, 0, 0});
            byte[] reply = r.in.readNBytes(Wire.SERVER_HELLO_LENGTH);
            assertEquals(0, reply[4] | reply[5]);
            assertEquals(Wire.REFUSED_NO_COMMON_VERSION, reply[7]);
            r.expectClosed();
        }
    }

    @Test
    void aVersionThreeClientIsRefusedInTheHandshake() throws IOException {
        // Version 4 carries inline block payloads (ADR 0141): a version 3 peer would take inline blocks for objects.
        try (Raw r = new Raw(false)) {
            r.sendRaw(new byte[]{'T', 'R', 'P', 'C', 0, 3, 0, 3, 0, 0x10, 0, 0});
            byte[] reply = r.in.readNBytes(Wire.SERVER_HELLO_LENGTH);
            assertEquals(0, reply[4] | reply[5]);
            assertEquals(Wire.REFUSED_NO_COMMON_VERSION, reply[7]);
            r.expectClosed();
        }
    }

    @Test
    void anUnknownOpcodeGetsEnosysAndTheConnectionGoesOn() throws IOException {
        try (Raw r = new Raw(true)) {
            WireOut bad = request(Op.GET_ATTR, 7).ctx(ROOT).i64(1);
            bad.frame()[Wire.OPCODE_AT] = 77;
            r.send(bad);
            FsException e = r.reply(7);
            assertEquals(Errno.ENOSYS, e.errno());
            assertTrue(e.getMessage().contains("77"), e.getMessage());
            r.send(getAttr(8));
            assertNull(r.reply(8));
        }
    }

    @Test
    void malformedArgumentsGetEbadmsg() throws IOException {
        try (Raw r = new Raw(true)) {
            // truncated: a getAttr without its inode number
            r.send(request(Op.GET_ATTR, 1).ctx(ROOT));
            assertEquals(Errno.EBADMSG, r.reply(1).errno());
            // trailing bytes
            r.send(getAttr(2).i32(5));
            assertEquals(Errno.EBADMSG, r.reply(2).errno());
            // a string claiming more bytes than the frame has, and a negative one
            r.send(request(Op.LOOKUP, 3).ctx(ROOT).i64(1).i32(1 << 30));
            assertEquals(Errno.EBADMSG, r.reply(3).errno());
            r.send(request(Op.LOOKUP, 4).ctx(ROOT).i64(1).i32(-5));
            assertEquals(Errno.EBADMSG, r.reply(4).errno());
            // a block list claiming a billion entries must not allocate them
            r.send(request(Op.COMMIT_BLOCKS, 5).ctx(ROOT).i64(1).i32(1_000_000_000).i64(0).i64(0));
            assertEquals(Errno.EBADMSG, r.reply(5).errno());
            // a caller with a billion groups
            r.send(request(Op.GET_ATTR, 6).i64(0).i64(0).i32(0).i32(0).i32(0).i32(1_000_000_000));
            assertEquals(Errno.EBADMSG, r.reply(6).errno());
            // a boolean that is neither 0 nor 1
            r.send(request(Op.READ_DIR, 9).ctx(ROOT).i64(1).str(null).i32(10).u8(7));
            assertEquals(Errno.EBADMSG, r.reply(9).errno());
            // a volume spec the VolumeSpec constructor refuses
            r.send(request(Op.CREATE_VOLUME, 10).str("bad name!").str("mem://").i32(3).str("lz4").i64(0)
                    .volumeEncryption(io.tarn.api.VolumeEncryption.NONE).str(""));
            assertEquals(Errno.EINVAL, r.reply(10).errno());
            // a frame shorter than a request header: error for call 0, the frame boundary is still known
            r.sendRaw(new byte[]{0, 0, 0, 3, 1, 2, 3});
            assertEquals(Errno.EBADMSG, r.reply(Wire.NO_CALL).errno());
            r.send(getAttr(11));
            assertNull(r.reply(11));
        }
    }

    @Test
    void anOversizedFrameGetsAnErrorAndTheConnectionIsClosed() throws IOException {
        try (Raw r = new Raw(true)) {
            byte[] header = new byte[12];
            WireOut.putInt(header, 0, Integer.MAX_VALUE);
            WireOut.putLong(header, 4, 42);
            r.sendRaw(header);
            assertEquals(Errno.E2BIG, r.reply(42).errno());
            r.expectClosed();
        }
        try (Raw r = new Raw(true)) {
            r.sendRaw(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0});
            assertEquals(Errno.E2BIG, r.reply(Wire.NO_CALL).errno());
            r.expectClosed();
        }
    }

    @Test
    void anOversizedCallFromARealClientFailsAloneBeforeItIsSent() {
        byte[] tooBig = new byte[100 * 1024];
        FsException e = assertThrows(FsException.class, () -> bystander.setXattr(ROOT, 1, "user.big", tooBig, 0));
        assertEquals(Errno.E2BIG, e.errno());
        assertTrue(e.getMessage().contains("setXattr"), e.getMessage());
        bystander.setXattr(ROOT, 1, "user.small", new byte[100], 0);
        assertEquals(100, bystander.getXattr(ROOT, 1, "user.small").length);
    }

    @Test
    void aReplyLargerThanTheClientAcceptsBecomesE2big() {
        byte[] value = new byte[40 * 1024];
        bystander.setXattr(ROOT, 1, "user.v", value, 0);
        try (RemoteMetaService small = RemoteMetaService.connect("127.0.0.1:" + server.port(),
                new RpcOptions(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(60),
                        java.time.Duration.ZERO, 16 * 1024))) {
            assertEquals(Errno.E2BIG, assertThrows(FsException.class, () -> small.getXattr(ROOT, 1, "user.v")).errno());
            assertEquals(1, small.getAttr(ROOT, 1).ino());
        }
    }

    @Test
    void aFrameCutShortByADisconnectHarmsNobody() throws IOException {
        try (Raw r = new Raw(true)) {
            byte[] partial = new byte[14];
            WireOut.putInt(partial, 0, 100);
            r.sendRaw(partial);
        }
        try (Raw r = new Raw(false)) {
            r.sendRaw(new byte[]{'T', 'R'});
        }
    }

    @Test
    void aFloodOfPipelinedRequestsIsServedInFull() throws Exception {
        int n = 3 * ServerConnection.MAX_CALLS_IN_FLIGHT;
        try (Raw r = new Raw(true)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 1; i <= n; i++) {
                        r.send(i % 2 == 0 ? getAttr(i) : request(Op.CREATE, i).ctx(ROOT).i64(1).str("p" + i).i32(0644).i32(0));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            java.util.BitSet seen = new java.util.BitSet();
            for (int i = 0; i < n; i++) {
                int len = r.in.readInt();
                byte[] p = r.in.readNBytes(len);
                assertEquals(Wire.OK, p[8]);
                seen.set((int) WireIn.getLong(p, 0));
            }
            writer.join();
            assertEquals(n, seen.cardinality());
        }
    }

    @Test
    void randomPayloadsAlwaysGetAReply() throws IOException {
        Random random = new Random(20261126);
        try (Raw r = new Raw(true)) {
            for (int i = 1; i <= 3000; i++) {
                Op op = Op.values()[random.nextInt(Op.values().length)];
                WireOut o = request(op, i);
                int n = random.nextInt(80);
                for (int k = 0; k < n; k++) o.u8(random.nextInt(4) == 0 ? 0 : random.nextInt(256));
                r.send(o);
                r.reply(i);
            }
        }
    }
}
