package io.tarn.objectstore.s3;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection to the store, serving one request at a time. Bodies go out in one
 * write and come back with one read into an array of the announced length: the point of it is that a
 * 4 MiB block costs a few system calls, not the SDK's 512 writes of 8 KiB (ADR 0142).
 */
final class HttpConnection implements AutoCloseable {
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean reusable = true;
    private long idleSince;
    private boolean used;

    /** What a response said before its body. {@code length} is -1 when the body is chunked or runs to the close. */
    record Head(int status, long length, boolean chunked) {}

    private HttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    static HttpConnection open(String host, int port, SSLSocketFactory tls, int connectTimeoutMs, int readTimeoutMs)
            throws IOException {
        Socket s = new Socket();
        try {
            // Headers and body go out as two writes; Nagle would hold the body's first segment for an ACK.
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            s.setSoTimeout(readTimeoutMs);
            if (tls != null) {
                SSLSocket t = (SSLSocket) tls.createSocket(s, host, port, true);
                SSLParameters p = t.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                t.setSSLParameters(p);
                t.startHandshake();
                return new HttpConnection(t);
            }
            return new HttpConnection(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** True once a request has been sent on it: a failure then may only mean the server closed it while idle. */
    boolean used() {
        return used;
    }

    long idleSince() {
        return idleSince;
    }

    boolean reusable() {
        return reusable && !socket.isClosed();
    }

    void markIdle(long nanos) {
        idleSince = nanos;
    }

    void send(byte[] head, byte[] body, int offset, int length) throws IOException {
        used = true;
        out.write(head);
        if (length > 0) out.write(body, offset, length);
        out.flush();
    }

    Head readHead(boolean noBody) throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + shorten(status));
        int code;
        try {
            code = Integer.parseInt(status.substring(9, 12));
        } catch (RuntimeException e) {
            throw new IOException("bad status line: " + shorten(status));
        }
        if (status.startsWith("HTTP/1.0")) reusable = false;
        long length = -1;
        boolean chunked = false;
        for (int n = 0; ; n++) {
            String h = line();
            if (h.isEmpty()) break;
            if (n > MAX_HEADERS) throw new IOException("too many response headers");
            int colon = h.indexOf(':');
            if (colon <= 0) continue;
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + shorten(value));
                    }
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> { if (value.equalsIgnoreCase("close")) reusable = false; }
                default -> { }
            }
        }
        if (code == 100) return readHead(noBody); // an unasked-for "100 Continue": the real answer follows
        if (noBody || code == 204 || code == 304) return new Head(code, 0, false);
        if (chunked) return new Head(code, -1, true);
        if (length < 0) reusable = false; // the body runs until the server closes
        return new Head(code, length, false);
    }

    /**
     * At most {@code max} bytes of an error's body, enough for its code; the connection is given up when
     * more follows, rather than reading a long answer to its end.
     */
    byte[] readErrorBody(Head h, int max) throws IOException {
        if (h.chunked() || h.length() <= max) return readBody(h, max);
        reusable = false;
        return in.readNBytes(max);
    }

    /** The whole body of a response announced with a length, read into one array of that size. */
    byte[] readBody(Head h, int max) throws IOException {
        if (!h.chunked() && h.length() >= 0) {
            if (h.length() > max) throw new IOException("response body of " + h.length() + " bytes, more than " + max);
            byte[] a = new byte[(int) h.length()];
            int got = in.readNBytes(a, 0, a.length);
            if (got != a.length) {
                reusable = false;
                throw new EOFException("response body ended after " + got + " of " + a.length + " bytes");
            }
            return a;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (h.chunked()) {
            for (long size; (size = chunkSize()) > 0; ) {
                if (b.size() + size > max) throw new IOException("chunked response body of more than " + max + " bytes");
                byte[] chunk = in.readNBytes((int) size);
                if (chunk.length != size) throw new EOFException("chunked response body ended early");
                b.write(chunk);
                line();
            }
            while (!line().isEmpty()) { } // trailers
            return b.toByteArray();
        }
        byte[] rest = in.readNBytes(max + 1);
        if (rest.length > max) throw new IOException("response body of more than " + max + " bytes");
        reusable = false;
        return rest;
    }

    private long chunkSize() throws IOException {
        String l = line();
        int semi = l.indexOf(';');
        try {
            return Long.parseLong((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size: " + shorten(l));
        }
    }

    private String line() throws IOException {
        byte[] buf = new byte[128];
        int n = 0;
        for (;;) {
            int c = in.read();
            if (c < 0) {
                reusable = false;
                throw new EOFException(n == 0 ? "the store closed the connection" : "response ended inside a line");
            }
            if (c == '\n') break;
            if (n == buf.length) {
                if (n >= MAX_LINE) throw new IOException("response line longer than " + MAX_LINE);
                buf = java.util.Arrays.copyOf(buf, n * 2);
            }
            buf[n++] = (byte) c;
        }
        if (n > 0 && buf[n - 1] == '\r') n--;
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Gives up on the connection: a response not read to its end leaves it unusable. */
    void discard() {
        reusable = false;
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket that failed: nothing left to release
        }
    }
}
