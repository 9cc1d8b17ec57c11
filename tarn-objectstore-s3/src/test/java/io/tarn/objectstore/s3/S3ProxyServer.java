package io.tarn.objectstore.s3;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A real S3 server (S3Proxy from Maven Central) on a free loopback port, inside the test JVM, with an
 * in-memory jclouds backend and SigV4 authentication under a fixed test key. It can be stopped and
 * started again on the same port with its objects intact, to play a store that goes away mid-work.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "tarn-test-key";
    public static final String SECRET_KEY = "tarn-test-secret";

    private final BlobStoreContext context;
    private final BlobStore blobs;
    private S3Proxy proxy;
    private int port;
    /** A PKCS12 key store and its password when the server speaks TLS only; null for plain http. */
    private Path keyStore;
    private String keyStorePassword;

    private S3ProxyServer() {
        // The transient backend keeps keys in a sorted map (S3 list order) and allows any key length.
        context = ContextBuilder.newBuilder("transient").credentials("local", "local").build(BlobStoreContext.class);
        blobs = context.getBlobStore();
    }

    /** Starts a server on a free loopback port. */
    public static S3ProxyServer start() throws Exception {
        S3ProxyServer s = new S3ProxyServer();
        s.listen(0);
        return s;
    }

    /** Starts a server that speaks https only, with the key and certificate of {@code keyStore} (PKCS12). */
    public static S3ProxyServer startTls(Path keyStore, String password) throws Exception {
        S3ProxyServer s = new S3ProxyServer();
        s.keyStore = keyStore;
        s.keyStorePassword = password;
        s.listen(0);
        return s;
    }

    private void listen(int onPort) throws Exception {
        S3Proxy.Builder b = S3Proxy.builder()
                .blobStore(blobs)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY);
        if (keyStore == null) b.endpoint(URI.create("http://127.0.0.1:" + onPort));
        else b.secureEndpoint(URI.create("https://127.0.0.1:" + onPort)).keyStore(keyStore.toString(), keyStorePassword);
        S3Proxy p = b.build();
        p.start();
        proxy = p;
        port = keyStore == null ? p.getPort() : p.getSecurePort();
    }

    /** Stops answering; connections are refused until {@link #restart()}. Objects are kept. */
    public synchronized void stop() throws Exception {
        if (proxy != null) proxy.stop();
        proxy = null;
    }

    /** Starts answering again on the same port, with the same objects. */
    public synchronized void restart() throws Exception {
        if (proxy == null) listen(port);
    }

    public String endpoint() {
        return (keyStore == null ? "http" : "https") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A new empty bucket with a random name. */
    public String createBucket() {
        String name = "tarn-" + UUID.randomUUID().toString().substring(0, 13);
        blobs.createContainerInLocation(null, name);
        return name;
    }

    /** A credentials file for the test key, as {@code credentials-file=} wants it. */
    public Path writeCredentials(Path dir, boolean correct) throws IOException {
        Path f = dir.resolve(correct ? "s3-credentials.properties" : "s3-wrong-credentials.properties");
        Files.writeString(f, "access_key_id=" + ACCESS_KEY + "\nsecret_access_key=" + (correct ? SECRET_KEY : "not-the-secret") + "\n");
        return f;
    }

    /** The store URI of a bucket on this server, with the given credentials file. */
    public String uri(String bucket, String prefix, Path credentials) {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + "?endpoint=" + endpoint()
                + "&path-style=true&region=us-east-1&credentials-file=" + credentials;
    }

    @Override
    public synchronized void close() throws Exception {
        stop();
        context.close();
    }
}
