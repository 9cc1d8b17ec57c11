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

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code tarn store check} and {@code tarn store bench} against S3Proxy, as a user runs them (child JVM). */
@Timeout(120)
class S3StoreCommandTest {
    private static final Duration T = Duration.ofSeconds(90);
    static S3ProxyServer s3;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) s3.close();
    }

    private static List<String> keys(String uri) {
        try (ObjectStore s = ObjectStores.open(uri); Stream<ObjectInfo> all = s.list("", null)) {
            return all.map(ObjectInfo::key).toList();
        }
    }

    @Test
    void checkPassesAndLeavesNothing() throws Exception {
        String uri = s3.uri(s3.createBucket(), "p", s3.writeCredentials(tmp, true));
        Programs.Result r = Programs.tarn(T, "store", "check", uri).ok();
        assertTrue(r.out().contains("put, get, range get, list and delete work"), r.out());
        assertEquals("", r.err());
        assertEquals(List.of(), keys(uri));
    }

    @Test
    void checkNamesEachFailureOnItsOwnLine() throws Exception {
        Programs.Result r = Programs.tarn(T, "store", "check", s3.uri(s3.createBucket(), "", s3.writeCredentials(tmp, false)));
        assertEquals(5, r.exit(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(3, lines.size(), "put, list and delete fail; the reads are not tried:\n" + r.err());
        assertTrue(lines.get(0).startsWith("tarn: put: ") && lines.get(0).contains("403"), lines.get(0));
        assertTrue(lines.get(1).startsWith("tarn: list: "), lines.get(1));
        assertTrue(lines.get(2).startsWith("tarn: delete: "), lines.get(2));
    }

    @Test
    void benchReportsEveryPhaseAndCleansUp() throws Exception {
        String uri = s3.uri(s3.createBucket(), "", s3.writeCredentials(tmp, true));
        Programs.Result r = Programs.tarn(T, "store", "bench", "--block-size", "256K", "--objects", "6",
                "--concurrency", "1,3", "--small-count", "5", uri).ok();
        for (String phase : List.of("PUT", "GET", "DELETE", "small PUT", "small GET", "small HEAD", "small DELETE"))
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(phase + " ")), phase + " missing:\n" + r.out());
        assertEquals(1, r.out().lines().filter(l -> l.matches("PUT\\s+3\\s+6\\s+.*")).count(), "a PUT row at 3 in flight:\n" + r.out());
        assertEquals(List.of(), keys(uri), "bench must delete what it wrote");
    }
}
