package io.tarn.objectstore.s3;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.ObjectKeys;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An {@link ObjectStore} on one S3 bucket and prefix (AWS or S3-compatible), built by {@link S3Clients}.
 * Puts are single requests (Tarn's objects are blocks of at most 8 MiB, well under the single-PUT limit)
 * and are atomic on S3. Ranged reads are HTTP range GETs. Retries are left to RetryingObjectStore, so the
 * SDK is told not to retry: a stopped store then fails fast with a retryable verdict. On a custom
 * endpoint, block GETs and PUTs skip the SDK ({@link S3DirectPath}, ADR 0142).
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    /** Block GETs and PUTs without the SDK, when the store allows (S3Options.usesDirectPath); else null. */
    private final S3DirectPath direct;
    private final S3Options options;
    private final String bucket;
    private final String describe;

    public S3ObjectStore(S3Options options) {
        this(options, S3Clients.credentials(options), S3Clients.trust());
    }

    /** With the trust store given (null: the JDK's own); the public constructor reads AWS_CA_BUNDLE for it. */
    S3ObjectStore(S3Options options, AwsCredentialsProvider credentials, TrustManagerFactory trust) {
        this.s3 = S3Clients.build(options, credentials, trust);
        this.direct = options.usesDirectPath() ? new S3DirectPath(options, credentials, trust) : null;
        this.options = options;
        this.bucket = options.location().bucket();
        this.describe = options.describe();
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        ObjectKeys.check(key);
        if (offset < 0) throw new ObjectStoreException("negative offset " + offset + " for " + key, false);
        if (length == 0) return head(key).map(i -> ByteBuffer.allocate(0));
        String full = options.location().fullKey(key);
        if (direct != null) return directGet(key, full, offset, length);
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(full);
        boolean ranged = offset > 0 || length > 0;
        if (ranged) req.range("bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1)));
        // Whole-object reads are checked against the stored checksum when there is one; a range has none.
        else if (options.checksums() == S3Options.Checksums.CRC32C) req.checksumMode(ChecksumMode.ENABLED);
        try {
            // Read straight into an array of the announced length: the SDK's toBytes() grows a buffer
            // and copies it again, which costs more than the network on loopback.
            return Optional.of(s3.getObject(req.build(), (GetObjectResponse r, AbortableInputStream in) -> {
                Long n = r.contentLength();
                if (n == null) return ByteBuffer.wrap(in.readAllBytes());
                byte[] a = new byte[Math.toIntExact(n)];
                int got = in.readNBytes(a, 0, a.length);
                if (got != a.length)
                    throw new IOException("response body ended after " + got + " of " + a.length + " bytes");
                return ByteBuffer.wrap(a);
            }));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e))) return Optional.empty();
            // A range starting at or past the end: the object exists and has nothing there.
            if (e.statusCode() == 416) return head(key).map(i -> ByteBuffer.allocate(0));
            throw S3Failures.map(describe, "get " + key, e);
        } catch (SdkException e) {
            throw S3Failures.map(describe, "get " + key, e);
        }
    }

    private Optional<ByteBuffer> directGet(String key, String full, long offset, int length) {
        boolean ranged = offset > 0 || length > 0;
        String range = ranged ? "bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1)) : null;
        S3DirectPath.Reply r = direct.get(full, range, "get " + key);
        int status = r.status();
        if (status == 200 || status == 206) {
            ByteBuffer b = ByteBuffer.wrap(r.body());
            // A server that ignores Range answers 200 with the whole object: cut the asked-for part out of it.
            if (status == 200 && ranged) {
                int from = (int) Math.min(offset, b.limit());
                b.position(from).limit(length < 0 ? b.limit() : (int) Math.min(b.limit(), (long) from + length));
                b = b.slice();
            }
            return Optional.of(b);
        }
        if (status == 404 && !"NoSuchBucket".equals(r.code())) return Optional.empty();
        // A range starting at or past the end: the object exists and has nothing there.
        if (status == 416) return head(key).map(i -> ByteBuffer.allocate(0));
        throw S3Failures.fromStatus(describe, "get " + key, status, r.code(), false, null);
    }

    @Override
    public void put(String key, ByteBuffer data) {
        ObjectKeys.check(key);
        if (direct != null) {
            S3DirectPath.Reply r = direct.put(options.location().fullKey(key), data, "put " + key);
            if (r.status() / 100 != 2) throw S3Failures.fromStatus(describe, "put " + key, r.status(), r.code(), false, null);
            return;
        }
        var req = software.amazon.awssdk.services.s3.model.PutObjectRequest.builder()
                .bucket(bucket).key(options.location().fullKey(key)).contentLength((long) data.remaining());
        switch (options.checksums()) {
            case CRC32C -> req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
            case MD5 -> req.contentMD5(S3DirectPath.md5(data));
            case NONE -> { }
        }
        try {
            s3.putObject(req.build(), body(data));
        } catch (SdkException e) {
            throw S3Failures.map(describe, "put " + key, e);
        }
    }

    /**
     * The bytes position..limit of {@code data} as a request body, without copying them when they are on the
     * heap: the SDK's ByteBuffer bodies copy, which with 16 block uploads in flight is 64 MiB the daemon's
     * heap bound (ADR 0070) does not count. The SDK may read the body more than once (payload hash, then the
     * send); each read gets a fresh stream over the same bytes, which the caller keeps unchanged until put returns.
     */
    private static RequestBody body(ByteBuffer data) {
        ByteBuffer b = data.duplicate();
        if (!b.hasArray()) return RequestBody.fromRemainingByteBuffer(b);
        byte[] array = b.array();
        int offset = b.arrayOffset() + b.position(), length = b.remaining();
        return RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(array, offset, length), length,
                "application/octet-stream");
    }

    @Override
    public void delete(String key) {
        ObjectKeys.check(key);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(options.location().fullKey(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e))) return;
            throw S3Failures.map(describe, "delete " + key, e);
        } catch (SdkException e) {
            throw S3Failures.map(describe, "delete " + key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        ObjectKeys.check(key);
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(options.location().fullKey(key)));
            return Optional.of(new ObjectInfo(key, r.contentLength(), r.lastModified() == null ? 0 : r.lastModified().toEpochMilli()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            // HEAD has no body, so a missing bucket and a missing key both come back as a bare 404.
            if (e.statusCode() == 404) return Optional.empty();
            throw S3Failures.map(describe, "head " + key, e);
        } catch (SdkException e) {
            throw S3Failures.map(describe, "head " + key, e);
        }
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        String p = options.location().fullKey(prefix == null ? "" : prefix);
        String after = startAfter == null ? null : options.location().fullKey(startAfter);
        Pages pages = new Pages(p, after);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Pages of ListObjectsV2 fetched as the stream is consumed. */
    private final class Pages implements Iterator<ObjectInfo> {
        private final String prefix;
        private final String startAfter;
        private String token;
        private boolean last;
        private Iterator<S3Object> page = List.<S3Object>of().iterator();

        Pages(String prefix, String startAfter) {
            this.prefix = prefix;
            this.startAfter = startAfter;
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext() && !last) fetch();
            return page.hasNext();
        }

        @Override
        public ObjectInfo next() {
            if (!hasNext()) throw new NoSuchElementException();
            S3Object o = page.next();
            return new ObjectInfo(options.location().relativeKey(o.key()), o.size() == null ? 0 : o.size(),
                    o.lastModified() == null ? 0 : o.lastModified().toEpochMilli());
        }

        private void fetch() {
            try {
                ListObjectsV2Response r = s3.listObjectsV2(b -> {
                    b.bucket(bucket).prefix(prefix);
                    if (token != null) b.continuationToken(token);
                    else if (startAfter != null) b.startAfter(startAfter);
                });
                page = r.contents().iterator();
                token = r.nextContinuationToken();
                last = !Boolean.TRUE.equals(r.isTruncated()) || token == null;
            } catch (SdkException e) {
                throw S3Failures.map(describe, "list " + prefix, e);
            }
        }
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        if (direct != null) direct.close();
        s3.close();
    }
}
