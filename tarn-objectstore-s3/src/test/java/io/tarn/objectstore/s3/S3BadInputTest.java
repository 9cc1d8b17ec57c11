package io.tarn.objectstore.s3;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.ObjectStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Wrong credentials, a missing bucket, a dead endpoint, secrets in the URI: clear verdicts, nothing leaked.
 * Each store-facing case runs on the direct block path and on the SDK ({@code direct-http=false}).
 */
@Timeout(60)
class S3BadInputTest {
    static S3ProxyServer server;
    @TempDir
    static Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) server.close();
    }

    private static final String SDK = "&direct-http=false";

    private static ObjectStoreException putFails(String uri) {
        try (ObjectStore s = ObjectStores.open(uri)) {
            return assertThrows(ObjectStoreException.class, () -> s.put("probe", ByteBuffer.wrap(new byte[]{1})));
        }
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void wrongSecretIsPermanentAndNamed(boolean sdk) throws Exception {
        ObjectStoreException e = putFails(server.uri(server.createBucket(), "", server.writeCredentials(dir, false)) + (sdk ? SDK : ""));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("403"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-secret"), "the secret must not appear: " + e.getMessage());
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void missingBucketIsPermanentAndNamed(boolean sdk) throws Exception {
        ObjectStoreException e = putFails(server.uri("no-such-bucket", "", server.writeCredentials(dir, true)) + (sdk ? SDK : ""));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("bucket does not exist"), e.getMessage());
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void unreachableEndpointIsRetryable(boolean sdk) throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        String uri = "s3://b?endpoint=http://127.0.0.1:" + dead + "&credentials-file=" + server.writeCredentials(dir, true) + (sdk ? SDK : "");
        ObjectStoreException e = putFails(uri);
        assertTrue(e.retryable(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + dead), e.getMessage());
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void storeThatComesBackServesItsObjects(boolean sdk) throws Exception {
        String uri = server.uri(server.createBucket(), "p", server.writeCredentials(dir, true)) + (sdk ? SDK : "");
        try (ObjectStore s = ObjectStores.open(uri)) {
            s.put("k", ByteBuffer.wrap(new byte[]{7, 8, 9}));
            server.stop();
            try {
                ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.get("k", 0, -1));
                assertTrue(e.retryable(), e.getMessage());
            } finally {
                server.restart();
            }
            assertEquals(3, s.get("k", 0, -1).orElseThrow().remaining());
        }
    }

    @Test
    void secretsAndTyposInTheUriAreRefused() {
        for (String uri : new String[]{"s3://AKIA:topsecret@bucket/p", "s3://bucket?secret-key=topsecret",
                "s3://bucket?session-token=topsecret", "s3://bucket?regoin=eu-west-1", "s3:///nobucket",
                "s3://bucket?checksums=sha1"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(uri).close(), uri);
            assertEquals(Errno.EINVAL, e.errno(), uri);
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
    }
}
