package io.tarn.it;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import io.tarn.objectstore.s3.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad stores given to {@code tarn volume create} (a child JVM, as a user runs it): wrong credentials, a
 * missing bucket, an unreachable endpoint, an unknown scheme. Each fails with one line on stderr that says
 * what is wrong, no secret in it, and nothing is created: no volume, no object.
 */
@Timeout(120)
class S3VolumeCreateErrorsTest {
    private static final Duration T = Duration.ofSeconds(60);
    static S3ProxyServer s3;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start();
    }

    /** After all the failed creates (one data dir for all, to spare a JVM start per test): no volume exists. */
    @AfterAll
    static void noVolumeWasCreated() throws Exception {
        try {
            String list = Programs.tarn(T, "volume", "list", "--data", tmp.resolve("data").toString()).ok().out();
            assertEquals(1, list.strip().lines().count(), "no volume may be created:\n" + list);
        } finally {
            if (s3 != null) s3.close();
        }
    }

    /** Runs volume create and checks the one-line failure. */
    private static String createFails(String name, String store) throws Exception {
        Programs.Result r = Programs.tarn(T, "volume", "create", "--data", tmp.resolve("data").toString(), "--store", store, name);
        assertNotEquals(0, r.exit(), "volume create must fail: " + r.out());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line expected, got:\n" + err);
        assertTrue(err.startsWith("tarn: "), err);
        return err;
    }

    private static long objectsIn(String uri) {
        try (ObjectStore s = ObjectStores.open(uri); Stream<ObjectInfo> all = s.list("", null)) {
            return all.count();
        }
    }

    @Test
    void wrongCredentials() throws Exception {
        String bucket = s3.createBucket();
        String err = createFails("wrongcreds", s3.uri(bucket, "", s3.writeCredentials(tmp, false)));
        assertTrue(err.contains("403") && err.contains("secret key does not match"), err);
        assertFalse(err.contains("not-the-secret") || err.contains(S3ProxyServer.SECRET_KEY), err);
        assertEquals(0, objectsIn(s3.uri(bucket, "", s3.writeCredentials(tmp, true))));
    }

    @Test
    void missingBucket() throws Exception {
        String err = createFails("nobucket", s3.uri("no-such-bucket", "", s3.writeCredentials(tmp, true)));
        assertTrue(err.contains("bucket does not exist"), err);
    }

    @Test
    void unreachableEndpoint() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        String err = createFails("unreachable", "s3://b?endpoint=http://127.0.0.1:" + dead + "&credentials-file=" + s3.writeCredentials(tmp, true));
        assertTrue(err.contains("127.0.0.1:" + dead) && err.contains("Connect"), err);
    }

    @Test
    void unknownScheme() throws Exception {
        String err = createFails("unknown", "swift://container/x");
        assertTrue(err.contains("unknown object store scheme 'swift'"), err);
        assertTrue(err.contains("s3://") && err.contains("az://") && err.contains("gs://"), "should list what is known: " + err);
    }

    @Test
    void secretInTheUri() throws Exception {
        String err = createFails("secret", "s3://bucket?secret-key=hunter2");
        assertFalse(err.contains("hunter2"), err);
        assertTrue(err.contains("secret"), err);
    }
}
