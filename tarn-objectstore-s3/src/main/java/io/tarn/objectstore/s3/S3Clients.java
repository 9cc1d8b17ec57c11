package io.tarn.objectstore.s3;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Properties;

/** Builds the SDK client for {@link S3Options}: credentials, region, endpoint, connection pool, TLS trust. */
final class S3Clients {
    private S3Clients() {}

    static S3Client build(S3Options o, AwsCredentialsProvider credentials, TrustManagerFactory trust) {
        ApacheHttpClient.Builder http = ApacheHttpClient.builder()
                .maxConnections(o.connections())
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(o.requestTimeout())
                .connectionAcquisitionTimeout(o.requestTimeout())
                .tcpKeepAlive(true)
                // Block puts are small and mostly succeed: waiting for "100 Continue" only adds a round trip.
                .expectContinueEnabled(false);
        boolean https = o.endpoint().map(e -> e.getScheme().equals("https")).orElse(true);
        if (https && trust != null) http.tlsTrustManagersProvider(trust::getTrustManagers);
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(http)
                .credentialsProvider(credentials)
                .region(region(o))
                // Whole-payload signing instead of aws-chunked: one SHA-256 pass, no per-chunk signatures to
                // compute and verify (blocks are at most 8 MiB and already in memory).
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(o.pathStyle()).chunkedEncodingEnabled(false).build())
                .overrideConfiguration(c -> c
                        // RetryingObjectStore owns retries (backoff, jitter, deadline): one policy, one place.
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(o.requestTimeout())
                        .apiCallTimeout(o.requestTimeout()));
        o.endpoint().ifPresent(b::endpointOverride);
        if (o.checksums() == S3Options.Checksums.CRC32C) {
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED);
            b.responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
        } else {
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
            b.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        if (o.region().isEmpty() && o.endpoint().isEmpty()) b.crossRegionAccessEnabled(true);
        return b.build();
    }

    private static Region region(S3Options o) {
        if (o.region().isPresent()) return Region.of(o.region().get());
        if (o.endpoint().isPresent()) return Region.US_EAST_1; // S3-compatible stores mostly ignore it, but SigV4 needs one
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException none) {
            return Region.US_EAST_1; // with cross-region access the SDK follows the bucket's redirect
        }
    }

    /**
     * The trust store of AWS_CA_BUNDLE, or null for the JDK's own. The AWS CLI honours that variable (some
     * machines set it for a private CA); the Java SDK does not, so without this a store that the CLI reaches
     * would fail the TLS handshake here.
     */
    static TrustManagerFactory trust() {
        String bundle = System.getenv("AWS_CA_BUNDLE");
        return bundle == null || bundle.isBlank() ? null : trustFrom(Path.of(bundle));
    }

    static AwsCredentialsProvider credentials(S3Options o) {
        if (o.credentialsFile().isPresent()) {
            Path f = o.credentialsFile().get();
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(f)) {
                p.load(in);
            } catch (IOException e) {
                throw FsException.of(Errno.EINVAL, "%s: cannot read credentials file %s: %s", o.describe(), f, e.getClass().getSimpleName());
            }
            String id = p.getProperty("access_key_id", p.getProperty("aws_access_key_id"));
            String secret = p.getProperty("secret_access_key", p.getProperty("aws_secret_access_key"));
            if (id == null || secret == null)
                throw FsException.of(Errno.EINVAL, "%s: credentials file %s needs access_key_id and secret_access_key", o.describe(), f);
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id.trim(), secret.trim()));
        }
        if (o.profile().isPresent()) return ProfileCredentialsProvider.create(o.profile().get());
        // An on-premises endpoint has no instance or container role behind it: asking the cloud metadata
        // addresses would only add seconds of timeouts (and traffic to addresses that are not the store).
        if (o.endpoint().isPresent())
            return AwsCredentialsProviderChain.of(SystemPropertyCredentialsProvider.create(),
                    EnvironmentVariableCredentialsProvider.create(), ProfileCredentialsProvider.create());
        return DefaultCredentialsProvider.builder().build();
    }

    static TrustManagerFactory trustFrom(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca-" + n++, c);
            if (n == 0) throw new IOException("no certificates");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (Exception e) {
            throw FsException.of(Errno.EINVAL, "AWS_CA_BUNDLE=%s: cannot load CA certificates (%s)", pem, e.getMessage());
        }
    }
}
