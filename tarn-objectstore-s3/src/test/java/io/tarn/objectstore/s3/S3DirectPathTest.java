package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The direct path against a scripted HTTP server on loopback, for what S3Proxy never does: a kept-alive
 * connection the server has dropped, chunked error bodies, a server that ignores Range, an interim
 * "100 Continue", a body cut short, a long error body.
 */
@Timeout(30)
class S3DirectPathTest {
    /** One scripted answer: the request's head and body in, the raw response bytes out. */
    interface Script {
        byte[] answer(int connection, int request, String head, byte[] body);
    }

    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    /** Close each connection after its first answer, without saying so (as a server's idle timeout does). */
    private volatile boolean dropAfterAnswer;

    private S3ObjectStore store(Script script) throws IOException {
        server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    int c = connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(s, c, script, dropAfterAnswer));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        S3Options o = S3Options.parse(URI.create("s3://b/p?endpoint=http://127.0.0.1:" + server.getLocalPort()));
        return new S3ObjectStore(o, StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")), null);
    }

    private static void serve(Socket s, int connection, Script script, boolean drop) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            for (int r = 1; ; r++) {
                String head = readHead(in);
                if (head == null) return;
                int length = 0;
                for (String line : head.split("\r\n"))
                    if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
                byte[] body = in.readNBytes(length);
                out.write(script.answer(connection, r, head, body));
                out.flush();
                if (drop) return;
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) return s;
        }
        return null;
    }

    private static byte[] response(String statusAndHeaders, byte[] body) {
        byte[] h = (statusAndHeaders + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static byte[] ok(byte[] body) {
        return response("HTTP/1.1 200 OK\r\nContent-Length: " + body.length, body);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
    }

    @Test
    void aKeptAliveConnectionTheServerDroppedIsRetriedOnAFreshOne() throws Exception {
        byte[] block = "block bytes".getBytes(StandardCharsets.UTF_8);
        dropAfterAnswer = true;
        try (S3ObjectStore s = store((c, r, head, body) -> ok(block))) {
            assertArrayEquals(block, bytes(s.get("k", 0, -1).orElseThrow()));
            assertArrayEquals(block, bytes(s.get("k", 0, -1).orElseThrow()));
            assertEquals(2, connections.get(), "the dropped connection was replaced once");
        }
    }

    @Test
    void chunkedErrorBodiesGiveTheServiceCodeAndVerdict() throws Exception {
        byte[] doc = "<Error><Code>SlowDown</Code><Message>reduce your rate</Message></Error>".getBytes(StandardCharsets.UTF_8);
        String chunked = Integer.toHexString(10) + "\r\n" + new String(doc, 0, 10, StandardCharsets.UTF_8) + "\r\n"
                + Integer.toHexString(doc.length - 10) + ";ext=1\r\n" + new String(doc, 10, doc.length - 10, StandardCharsets.UTF_8)
                + "\r\n0\r\nX-Trailer: t\r\n\r\n";
        try (S3ObjectStore s = store((c, r, head, body) ->
                response("HTTP/1.1 503 Slow Down\r\nTransfer-Encoding: chunked", chunked.getBytes(StandardCharsets.UTF_8)))) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.put("k", ByteBuffer.wrap(new byte[]{1, 2})));
            assertTrue(e.retryable(), e.getMessage());
            assertTrue(e.getMessage().contains("HTTP 503 SlowDown"), e.getMessage());
            // The connection was read to the end of its chunked body, so the next request reuses it.
            assertThrows(ObjectStoreException.class, () -> s.put("k", ByteBuffer.wrap(new byte[]{1, 2})));
            assertEquals(1, connections.get());
        }
    }

    @Test
    void aLongErrorBodyIsCutShortAndItsConnectionDropped() throws Exception {
        byte[] doc = ("<Error><Code>AccessDenied</Code><Message>" + "x".repeat(200_000) + "</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        try (S3ObjectStore s = store((c, r, head, body) -> response("HTTP/1.1 403 Forbidden\r\nContent-Length: " + doc.length, doc))) {
            for (int i = 0; i < 2; i++) {
                ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.get("k", 0, -1));
                assertFalse(e.retryable(), e.getMessage());
                assertTrue(e.getMessage().contains("AccessDenied"), e.getMessage());
            }
            assertEquals(2, connections.get(), "a connection with unread bytes is not reused");
        }
    }

    @Test
    void aServerThatIgnoresRangeStillGivesTheRangeAskedFor() throws Exception {
        byte[] object = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        try (S3ObjectStore s = store((c, r, head, body) -> {
            assertTrue(head.contains("range: bytes=4-9"), head);
            return ok(object);
        })) {
            assertEquals("456789", new String(bytes(s.get("k", 4, 6).orElseThrow()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anInterimContinueIsSkippedAndThePutIsSigned() throws Exception {
        byte[] sent = new byte[100_000];
        new java.util.Random(3).nextBytes(sent);
        try (S3ObjectStore s = store((c, r, head, body) -> {
            assertArrayEquals(sent, body);
            assertTrue(head.contains("x-amz-content-sha256: " + SigV4.sha256Hex(sent)), head);
            assertTrue(head.contains("authorization: AWS4-HMAC-SHA256 Credential=id/"), head);
            return response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0", new byte[0]);
        })) {
            s.put("k", ByteBuffer.wrap(sent));
        }
    }

    @Test
    void aBodyCutShortIsARetryableFailure() throws Exception {
        dropAfterAnswer = true; // after half the body: the client meets the end of the stream mid-body
        try (S3ObjectStore s = store((c, r, head, body) -> response("HTTP/1.1 200 OK\r\nContent-Length: 100", new byte[50]))) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.get("k", 0, -1));
            assertTrue(e.retryable(), e.getMessage());
            assertTrue(e.getMessage().contains("50 of 100"), e.getMessage());
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
