package io.tarn.objectstore;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class ObjectStoresTest {
    @Test
    void fileUriOpensALocalDirectory(@TempDir Path dir) {
        try (ObjectStore s = ObjectStores.open(dir.resolve("data").toUri().toString())) {
            assertInstanceOf(LocalDirObjectStore.class, s);
            s.put("k/v", ByteBuffer.wrap(new byte[]{1}));
        }
        assertTrue(Files.exists(dir.resolve("data/k/v")));
        try (ObjectStore s = ObjectStores.open("file://" + dir.resolve("data"))) {
            assertTrue(s.head("k/v").isPresent());
        }
    }

    @Test
    void memUriNamesOneStorePerJvm() {
        ObjectStore a = ObjectStores.open("mem://shared-test");
        a.put("x", ByteBuffer.wrap(new byte[]{1}));
        a.close();
        try (ObjectStore b = ObjectStores.open("mem://shared-test")) {
            assertTrue(b.head("x").isPresent());
        }
        MemoryObjectStore.forget("shared-test");
        assertTrue(ObjectStores.open("mem://shared-test").head("x").isEmpty());
    }

    @Test
    void unknownSchemesAreRefusedClearly() {
        for (String uri : new String[]{"s3://bucket/prefix", "az://acct/container", "gs://b", "ftp://x"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(uri));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("unknown object store scheme"), e.getMessage());
            assertTrue(e.getMessage().contains("file:///path"), e.getMessage());
        }
    }

    /** Registered in test resources under META-INF/services, as a cloud store module would be. */
    public static final class TestProvider implements ObjectStoreProvider {
        @Override
        public String scheme() {
            return "test";
        }

        @Override
        public ObjectStore open(java.net.URI uri) {
            return MemoryObjectStore.named("provided-" + uri.getAuthority());
        }
    }

    @Test
    void providersPlugInByScheme() {
        try (ObjectStore s = ObjectStores.open("test://bucket/prefix")) {
            assertEquals("mem://provided-bucket", s.describe());
        }
        assertTrue(ObjectStores.knownSchemes().contains("test://"), ObjectStores.knownSchemes());
    }

    @Test
    void malformedUrisAreRefused() {
        for (String uri : new String[]{"", "file:relative", "file://host/x", "mem://", "mem://n/path", "::"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(uri), uri);
            assertEquals(Errno.EINVAL, e.errno());
        }
    }
}
