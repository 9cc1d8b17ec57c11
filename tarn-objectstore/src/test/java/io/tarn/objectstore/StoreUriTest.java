package io.tarn.objectstore;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class StoreUriTest {
    private static final Set<String> KNOWN = Set.of("endpoint", "region", "path-style", "connections");

    private static StoreUri parse(String u) {
        return StoreUri.parse(URI.create(u), "s3://bucket/prefix", KNOWN);
    }

    @Test
    void bucketPrefixAndOptions() {
        StoreUri u = parse("s3://b/a/b/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&path-style&Region=eu-west-1");
        assertEquals("b", u.bucket());
        assertEquals("a/b/", u.prefix());
        assertEquals("http://127.0.0.1:9000", u.option("endpoint").orElseThrow());
        assertTrue(u.flag("path-style", false));
        assertEquals("eu-west-1", u.option("region").orElseThrow());
        assertEquals("a/b/x", u.fullKey("x"));
        assertEquals("x", u.relativeKey("a/b/x"));
        assertEquals("s3://b/a/b/", u.display());
        assertEquals("", parse("s3://b").prefix());
        assertEquals(256, parse("s3://b").intOption("connections", 256));
    }

    @Test
    void messagesOfObjectStoresHideQueriesAndUserInfo() {
        for (String bad : new String[]{"swift://u:s3cr3t@c/p?x=1", "swift://c/p?token=s3cr3t", "s3://b/%zz?secret=s3cr3t"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(bad).close(), bad);
            assertEquals(Errno.EINVAL, e.errno());
            assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        }
    }

    @Test
    void refusals() {
        for (String bad : new String[]{"s3://k:s3cr3t@b", "s3:///p", "s3://b:9000/p", "s3://b?aws-secret=s3cr3t",
                "s3://b?token=s3cr3t", "s3://b?password=s3cr3t", "s3://b?regio=x", "s3://b/a//p"}) {
            FsException e = assertThrows(FsException.class, () -> parse(bad), bad);
            assertEquals(Errno.EINVAL, e.errno(), bad);
            assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        }
        assertThrows(FsException.class, () -> parse("s3://b?connections=0").intOption("connections", 1));
        assertThrows(FsException.class, () -> parse("s3://b?path-style=maybe").flag("path-style", false));
    }
}
