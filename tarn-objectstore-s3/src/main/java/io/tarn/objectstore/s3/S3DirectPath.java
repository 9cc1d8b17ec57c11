package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStoreException;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * Block GETs and PUTs on a custom endpoint, straight over HTTP/1.1 with SigV4, without the SDK's request
 * pipeline (ADR 0142). On this machine the SDK cost more CPU per block than the store itself: its
 * interceptor chain on every request and its 8 KiB socket writes. Everything else (list, head, delete,
 * and any store on AWS itself, which needs CRC32C trailers and redirects between regions) stays on the SDK.
 */
final class S3DirectPath implements AutoCloseable {
    /** Servers drop idle keep-alive connections (Jetty after 30 s, S3 after about 20); do not reuse older ones. */
    private static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** The largest body a successful answer may carry: a Java array's limit. */
    private static final int MAX_BODY = Integer.MAX_VALUE - 8;

    private final S3Options options;
    private final AwsCredentialsProvider credentials;
    private final SigV4 signer;
    private final String connectHost;
    private final int port;
    private final String hostHeader;
    private final String basePath;
    private final SSLSocketFactory tls;
    private final int timeoutMs;
    private final int maxIdle;
    private final ConcurrentLinkedDeque<HttpConnection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** A response: its status, its body (for errors, what it said), and the service's error code if any. */
    record Reply(int status, byte[] body, String code) {}

    S3DirectPath(S3Options o, AwsCredentialsProvider credentials, TrustManagerFactory trust) {
        URI e = o.endpoint().orElseThrow();
        this.options = o;
        this.credentials = credentials;
        this.signer = new SigV4(o.region().orElse("us-east-1"));
        boolean https = e.getScheme().equals("https");
        this.port = e.getPort() > 0 ? e.getPort() : https ? 443 : 80;
        String authority = e.getHost() + (e.getPort() > 0 ? ":" + e.getPort() : "");
        String endpointPath = e.getRawPath() == null ? "" : e.getRawPath().replaceAll("/+$", "");
        String bucket = o.location().bucket();
        if (o.pathStyle()) {
            this.connectHost = e.getHost();
            this.hostHeader = authority;
            this.basePath = endpointPath + "/" + SigV4.uriEncode(bucket, false);
        } else {
            this.connectHost = bucket + "." + e.getHost();
            this.hostHeader = bucket + "." + authority;
            this.basePath = endpointPath;
        }
        this.tls = https ? sslFactory(trust) : null;
        this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, o.requestTimeout().toMillis());
        this.maxIdle = o.connections();
    }

    private static SSLSocketFactory sslFactory(TrustManagerFactory trust) {
        if (trust == null) return (SSLSocketFactory) SSLSocketFactory.getDefault();
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, trust.getTrustManagers(), null);
            return c.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET of a full key, with a range when {@code range} is not null; a 2xx body is read whole. */
    Reply get(String fullKey, String range, String what) {
        TreeMap<String, String> h = new TreeMap<>();
        if (range != null) h.put("range", range);
        return exchange("GET", fullKey, h, null, SigV4.EMPTY_SHA256, what);
    }

    Reply put(String fullKey, ByteBuffer data, String what) {
        TreeMap<String, String> h = new TreeMap<>();
        if (options.checksums() == S3Options.Checksums.MD5) h.put("content-md5", md5(data));
        // Over plain http the signed SHA-256 is the store's only check of the body in transit; TLS has its own.
        String payload = tls == null ? SigV4.sha256Hex(data) : SigV4.UNSIGNED;
        return exchange("PUT", fullKey, h, data, payload, what);
    }

    private Reply exchange(String method, String fullKey, SortedMap<String, String> signed, ByteBuffer body,
                           String payloadHash, String what) {
        if (closed) throw new ObjectStoreException(options.describe() + ": " + what + " failed: the store is closed", false);
        String path = basePath + "/" + SigV4.uriEncode(fullKey, true);
        byte[] head = head(method, path, signed, body == null ? -1 : body.remaining(), payloadHash, what);
        byte[] array = null;
        int offset = 0, length = 0;
        if (body != null) {
            ByteBuffer b = body.duplicate();
            if (b.hasArray()) {
                array = b.array();
                offset = b.arrayOffset() + b.position();
            } else {
                array = new byte[b.remaining()];
                b.get(array);
            }
            length = body.remaining();
        }
        for (int attempt = 0; ; attempt++) {
            HttpConnection c = null;
            boolean pooled = false;
            try {
                c = take();
                pooled = c.used();
                c.send(head, array, offset, length);
                HttpConnection.Head h = c.readHead(false);
                boolean ok = h.status() / 100 == 2;
                byte[] data = ok ? c.readBody(h, MAX_BODY) : c.readErrorBody(h, MAX_ERROR_BODY);
                give(c);
                return new Reply(h.status(), data, ok ? null : errorCode(data));
            } catch (IOException e) {
                if (c != null) c.discard();
                // A kept-alive connection the server had already closed: GET and PUT are idempotent, go again once.
                if (pooled && attempt == 0 && !(e instanceof SocketTimeoutException)) continue;
                throw failure(what, e);
            } catch (RuntimeException e) {
                if (c != null) c.discard();
                throw e;
            }
        }
    }

    private byte[] head(String method, String path, SortedMap<String, String> signed, long contentLength,
                        String payloadHash, String what) {
        AwsCredentials creds;
        try {
            creds = credentials.resolveCredentials();
        } catch (SdkException e) {
            throw S3Failures.map(options.describe(), what, e);
        }
        signed.put("host", hostHeader);
        signed.put("x-amz-date", SigV4.amzDate(ZonedDateTime.now(ZoneOffset.UTC)));
        signed.put("x-amz-content-sha256", payloadHash);
        if (creds instanceof AwsSessionCredentials s) signed.put("x-amz-security-token", s.sessionToken());
        String auth = signer.authorization(method, path, "", signed, creds.accessKeyId(), creds.secretAccessKey());
        StringBuilder r = new StringBuilder(512).append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        for (var h : signed.entrySet()) r.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        r.append("authorization: ").append(auth).append("\r\n");
        if (contentLength >= 0)
            r.append("content-length: ").append(contentLength).append("\r\ncontent-type: application/octet-stream\r\n");
        r.append("user-agent: tarn\r\n\r\n");
        return r.toString().getBytes(StandardCharsets.UTF_8);
    }

    private HttpConnection take() throws IOException {
        long now = System.nanoTime();
        for (HttpConnection c; (c = idle.pollLast()) != null; ) {
            if (now - c.idleSince() < MAX_IDLE_NANOS) return c;
            c.close();
        }
        return HttpConnection.open(connectHost, port, tls, 5_000, timeoutMs);
    }

    private void give(HttpConnection c) {
        if (closed || !c.reusable() || idle.size() >= maxIdle) {
            c.close();
            return;
        }
        c.markIdle(System.nanoTime());
        idle.addLast(c);
        if (closed && idle.remove(c)) c.close();
    }

    private ObjectStoreException failure(String what, IOException e) {
        String m = e.getMessage();
        String detail = e.getClass().getSimpleName() + (m == null ? "" : " " + m.lines().findFirst().orElse(""));
        if (e instanceof SocketTimeoutException)
            return new ObjectStoreException(options.describe() + ": " + what + " timed out: " + detail, true, e);
        return new ObjectStoreException(options.describe() + ": " + what + " failed: " + detail, true, e);
    }

    /** The {@code <Code>} of an S3 error document, or null. */
    static String errorCode(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int a = s.indexOf("<Code>"), b = a < 0 ? -1 : s.indexOf("</Code>", a);
        return b < 0 ? null : s.substring(a + 6, b).trim();
    }

    static String md5(ByteBuffer data) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(data.duplicate());
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (HttpConnection c; (c = idle.pollFirst()) != null; ) c.close();
    }
}
