package io.tarn.objectstore.gcs;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.StoreUri;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A Google Cloud Storage store as {@code gs://bucket/prefix[?credentials-file=/path/sa.json&project=...]}.
 * Credentials: the service account (or any credentials JSON) file named by {@code credentials-file},
 * else application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata
 * server on GCE/GKE).
 *
 * @param location        bucket and prefix
 * @param credentialsFile a credentials JSON file
 * @param project         project id, when the credentials do not name one
 * @param endpoint        another host (a test server, a private endpoint)
 * @param timeout         one request's time limit
 */
public record GcsOptions(StoreUri location, Optional<Path> credentialsFile, Optional<String> project,
                         Optional<String> endpoint, Duration timeout) {
    static final String EXAMPLE = "gs://bucket/prefix?credentials-file=/etc/tarn/sa.json";
    static final Set<String> OPTIONS = Set.of("credentials-file", "project", "endpoint", "timeout-seconds");

    public static GcsOptions parse(URI uri) {
        StoreUri u = StoreUri.parse(uri, EXAMPLE, OPTIONS);
        Optional<String> endpoint = u.option("endpoint");
        endpoint.ifPresent(e -> {
            URI ep;
            try {
                ep = URI.create(e);
            } catch (IllegalArgumentException bad) {
                throw FsException.of(Errno.EINVAL, "%s: endpoint '%s' is not a URL", u.display(), e);
            }
            if (ep.getHost() == null || ep.getRawUserInfo() != null)
                throw FsException.of(Errno.EINVAL, "%s: endpoint must be http(s)://host[:port] without credentials", u.display());
        });
        return new GcsOptions(u, u.option("credentials-file").map(Path::of), u.option("project"), endpoint,
                Duration.ofSeconds(u.intOption("timeout-seconds", 60)));
    }

    public String describe() {
        return location.display() + endpoint.map(e -> " at " + e).orElse("");
    }
}
