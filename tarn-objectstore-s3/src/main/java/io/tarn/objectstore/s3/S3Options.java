package io.tarn.objectstore.s3;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.StoreUri;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything an S3 store is opened with, parsed from {@code s3://bucket/prefix?options} at the edge.
 *
 * @param location        bucket and prefix
 * @param endpoint        custom endpoint (MinIO, Ceph, S3Proxy ...), empty for AWS itself
 * @param region          region; empty lets the SDK's chain decide (us-east-1 for custom endpoints)
 * @param pathStyle       path-style addressing (default on with a custom endpoint: most on-premises stores want it)
 * @param profile         a named profile of ~/.aws/credentials and ~/.aws/config
 * @param credentialsFile a properties file with access_key_id / secret_access_key (explicit credentials)
 * @param connections     HTTP connection pool size: Tarn moves many blocks at once
 * @param requestTimeout  one attempt's time limit
 * @param checksums       how puts (and whole-object gets) are checked end to end: see {@link Checksums}
 * @param directHttp      block GETs and PUTs go straight over HTTP (ADR 0142) where they can: a custom endpoint
 *                        and no CRC32C trailers; false keeps every request on the SDK
 */
public record S3Options(StoreUri location, Optional<URI> endpoint, Optional<String> region, boolean pathStyle,
                        Optional<String> profile, Optional<Path> credentialsFile, int connections,
                        Duration requestTimeout, Checksums checksums, boolean directHttp) {
    /**
     * CRC32C is AWS's flexible checksum (sent as a trailer, stored, checked on whole-object gets); many
     * S3-compatible servers answer it with 501, so with a custom https endpoint the default is Content-MD5,
     * which every S3 implementation verifies before storing. Over plain http the SDK signs the payload's
     * SHA-256, which SigV4 servers check against the body (S3Proxy answers XAmzContentSHA256Mismatch), so
     * an MD5 on top would only cost a second pass over every block (1.4 s of CPU per GiB here): none.
     * Blocks also carry their own CRC32C, checked on every read (ADR 0040).
     */
    public enum Checksums { CRC32C, MD5, NONE }

    static final String EXAMPLE = "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true";
    static final Set<String> OPTIONS = Set.of("endpoint", "region", "path-style", "profile", "credentials-file",
            "connections", "timeout-seconds", "checksums", "direct-http");

    public static S3Options parse(URI uri) {
        StoreUri u = StoreUri.parse(uri, EXAMPLE, OPTIONS);
        Optional<URI> endpoint = u.option("endpoint").map(e -> endpoint(u, e));
        return new S3Options(u, endpoint, u.option("region"), u.flag("path-style", endpoint.isPresent()),
                u.option("profile"), u.option("credentials-file").map(Path::of),
                u.intOption("connections", 256), Duration.ofSeconds(u.intOption("timeout-seconds", 60)),
                checksums(u, endpoint.map(e -> e.getScheme().equals("http") ? "none" : "md5").orElse("crc32c")),
                u.flag("direct-http", true));
    }

    private static Checksums checksums(StoreUri u, String byDefault) {
        String v = u.option("checksums").orElse(byDefault);
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "crc32c" -> Checksums.CRC32C;
            case "md5" -> Checksums.MD5;
            case "none", "false" -> Checksums.NONE;
            default -> throw FsException.of(Errno.EINVAL, "%s: checksums=%s: use crc32c, md5 or none", u.display(), v);
        };
    }

    private static URI endpoint(StoreUri u, String e) {
        try {
            URI ep = URI.create(e);
            if (ep.getScheme() == null || !(ep.getScheme().equals("http") || ep.getScheme().equals("https")) || ep.getHost() == null)
                throw new IllegalArgumentException();
            if (ep.getRawUserInfo() != null)
                throw FsException.of(Errno.EINVAL, "%s: the endpoint may not carry credentials", u.display());
            return ep;
        } catch (IllegalArgumentException bad) {
            throw FsException.of(Errno.EINVAL, "%s: endpoint '%s' is not an http(s)://host[:port] URL", u.display(), e);
        }
    }

    /** Whether block GETs and PUTs take {@link S3DirectPath}: it speaks to a custom endpoint and sends no CRC32C trailer. */
    boolean usesDirectPath() {
        return directHttp && endpoint.isPresent() && checksums != Checksums.CRC32C;
    }

    /** What messages show: the bucket, prefix and endpoint, no credentials. */
    public String describe() {
        return location.display() + endpoint.map(e -> " at " + e).orElse("");
    }
}
