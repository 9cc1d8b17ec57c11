package io.tarn.objectstore;

import io.tarn.api.ObjectStore;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class LocalDirObjectStoreTest extends ObjectStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ObjectStore open() {
        return new LocalDirObjectStore(dir.resolve("store"));
    }

    @Test
    void keysBecomeSubdirectoriesAndDeletePrunesThem() {
        store.put("v/blocks/ab/00000000000000ab", bytes("x"));
        assertTrue(Files.isRegularFile(dir.resolve("store/v/blocks/ab/00000000000000ab")));
        store.delete("v/blocks/ab/00000000000000ab");
        assertFalse(Files.exists(dir.resolve("store/v")), "empty parents are removed");
        assertTrue(Files.isDirectory(dir.resolve("store")), "the root stays");
    }

    @Test
    void strayTemporaryFilesAreNotListed() throws Exception {
        store.put("t/a", bytes("x"));
        Files.writeString(dir.resolve("store/t/" + ObjectKeys.TEMP_PREFIX + "abc"), "partial");
        assertEquals(java.util.List.of("t/a"), keys("t/", null));
    }

    @Test
    void reopeningSeesTheObjects() {
        store.put("persist/me", ByteBuffer.wrap(new byte[]{1, 2, 3}));
        try (ObjectStore again = open()) {
            assertEquals(3, again.head("persist/me").orElseThrow().size());
        }
    }
}
