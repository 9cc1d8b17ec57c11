package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.fuse.mount.MountTable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input at the command line and on the wire: each gives a clear one-line error on stderr and a
 * non-zero exit (or an error reply on the wire), and loses nothing: the server keeps serving, the
 * mount that was there keeps working. Damaged block objects are {@link CorruptBlockTest}.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir static Path tmp;
    static MetaServerProcess server;
    static MountedVolume mv;

    @BeforeAll
    static void serveAndMount() throws Exception {
        server = MetaServerProcess.start(tmp.resolve("meta"));
        Programs.tarn(T, "volume", "create", "v", "--meta", server.address(), "--store", tmp.resolve("objects").toUri().toString()).ok();
        mv = MountedVolume.mount("v", tmp.resolve("mnt"), "--meta", server.address());
        Files.writeString(mv.mountpoint.resolve("kept"), "still here");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mv != null) mv.close();
        } finally {
            if (server != null) server.close();
        }
    }

    /** The mount and the server still work, and what was written before is still there. */
    private static void nothingLost() throws Exception {
        assertEquals("still here", Files.readString(mv.mountpoint.resolve("kept")));
        Path probe = mv.mountpoint.resolve("probe-" + System.nanoTime());
        Files.writeString(probe, "ok");
        assertEquals("ok", Files.readString(probe));
        assertTrue(server.isAlive(), "the metadata server died");
        assertTrue(Programs.tarn(T, "volume", "list", "--meta", server.address()).ok().out().contains("v "));
    }

    @Test
    void unreachableMetadataServer() throws Exception {
        // A port bound but not listening: connecting to it is refused, and nobody else can take it meanwhile.
        try (Socket placeholder = new Socket()) {
            placeholder.bind(new InetSocketAddress("127.0.0.1", 0));
            String closed = "127.0.0.1:" + placeholder.getLocalPort();
            Path mp = Files.createDirectories(tmp.resolve("unreachable"));
            for (List<String> cmd : List.of(
                    List.of("mount", "--meta", closed, "--log", tmp.resolve("unreachable.log").toString(), "v", mp.toString()),
                    List.of("mount", "--foreground", "--meta", closed, "v", mp.toString()),
                    List.of("volume", "list", "--meta", closed),
                    List.of("volume", "info", "v", "--meta", closed))) {
                oneLineError(Programs.tarn(T, cmd.toArray(String[]::new)), "cannot connect to metadata server " + closed);
            }
            assertFalse(MountTable.find(mp).isPresent());
        }
    }

    @Test
    void unknownVolume() throws Exception {
        Path mp = Files.createDirectories(tmp.resolve("unknown"));
        oneLineError(Programs.tarn(T, "mount", "--meta", server.address(), "--log", tmp.resolve("unknown.log").toString(),
                "nosuch", mp.toString()), "unknown volume nosuch");
        oneLineError(Programs.tarn(T, "mount", "--foreground", "--meta", server.address(), "nosuch", mp.toString()),
                "unknown volume nosuch");
        oneLineError(Programs.tarn(T, "volume", "info", "nosuch", "--meta", server.address()), "nosuch");
        oneLineError(Programs.tarn(T, "volume", "delete", "nosuch", "--yes", "--meta", server.address()), "nosuch");
        assertFalse(MountTable.find(mp).isPresent());
        nothingLost();
    }

    @Test
    void mountpointInUse() throws Exception {
        oneLineError(Programs.tarn(T, "mount", "--meta", server.address(), "v", mv.mountpoint.toString()),
                "mountpoint " + mv.mountpoint + " is in use");
        oneLineError(Programs.tarn(T, "mount", "--foreground", "--meta", server.address(), "v", mv.mountpoint.toString()),
                "is in use");
        nothingLost();
    }

    @Test
    void mountpointMissing() throws Exception {
        Path missing = tmp.resolve("no/such/dir");
        oneLineError(Programs.tarn(T, "mount", "--meta", server.address(), "v", missing.toString()),
                "mountpoint " + missing + " is not an existing directory");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        oneLineError(Programs.tarn(T, "mount", "--meta", server.address(), "v", file.toString()), "is not an existing directory");
        nothingLost();
    }

    @Test
    void malformedRpcRequestsAreLoggedAndTheServerKeepsServing() throws Exception {
        // Garbage instead of a hello: the server logs it and hangs up.
        try (Socket s = connect()) {
            byte[] junk = new byte[64];
            new Random(5).nextBytes(junk);
            s.getOutputStream().write(junk);
            assertEquals(-1, s.getInputStream().read(), "the server answered garbage instead of hanging up");
        }
        server.awaitLog("not a Tarn RPC client (bad magic)", T);

        // A good hello, then malformed frames: each is answered with an error, on the same connection.
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeInt(0x54525043); // "TRPC"
            out.writeShort(4); // the protocol version of this build (ADR 0141), lowest and highest
            out.writeShort(4);
            out.writeInt(1 << 20);
            byte[] hello = new byte[20];
            in.readFully(hello);
            assertEquals(4, hello[5], "protocol version");

            out.writeInt(3); // shorter than a request header
            out.write(new byte[] {1, 2, 3});
            assertEquals("EBADMSG", errorReply(in, 0));

            out.writeInt(13); // a header with an opcode nobody knows
            out.writeLong(7);
            out.writeByte(250);
            out.writeInt(1000);
            assertEquals("ENOSYS", errorReply(in, 7));

            out.writeInt(13 + 4); // VOLUME (3) whose name claims a million bytes that are not there
            out.writeLong(8);
            out.writeByte(3);
            out.writeInt(1000);
            out.writeInt(1_000_000);
            assertEquals("EBADMSG", errorReply(in, 8));

            out.writeInt(13); // LIST_VOLUMES, well formed: the connection still serves
            out.writeLong(9);
            out.writeByte(2);
            out.writeInt(1000);
            int len = in.readInt();
            byte[] reply = new byte[len];
            in.readFully(reply);
            assertEquals(9, java.nio.ByteBuffer.wrap(reply).getLong(), "call id");
            assertEquals(0, reply[8], "status of a good call after bad ones");
        }
        server.awaitLog("shorter than a header", T);
        nothingLost();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Reads one reply frame that must be an error for {@code callId}; returns its errno name. */
    private static String errorReply(DataInputStream in, long callId) throws IOException {
        int len = in.readInt();
        byte[] b = new byte[len];
        in.readFully(b);
        var buf = java.nio.ByteBuffer.wrap(b);
        assertEquals(callId, buf.getLong(), "call id of the reply");
        assertEquals(1, buf.get(), "status: error");
        byte[] name = new byte[buf.getInt()];
        buf.get(name);
        return new String(name, StandardCharsets.UTF_8);
    }

    /** A failed command: non-zero exit, one line on stderr in the CLI's shape, naming what went wrong. */
    static void oneLineError(Programs.Result r, String... mentions) {
        assertNotEquals(0, r.exit(), "exit status; stdout: " + r.out());
        String err = r.err().strip();
        assertTrue(err.startsWith("tarn: "), "stderr: " + err);
        assertFalse(err.contains("\n"), "more than one line on stderr:\n" + err);
        for (String m : mentions) assertTrue(err.contains(m), "stderr does not mention '" + m + "': " + err);
    }
}
