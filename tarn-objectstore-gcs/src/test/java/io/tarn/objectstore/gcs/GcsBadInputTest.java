package io.tarn.objectstore.gcs;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.ObjectStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What can be checked without a bucket: bad URIs and unusable credentials fail at open with EINVAL, no secret echoed. */
@Timeout(30)
class GcsBadInputTest {
    @TempDir
    Path dir;

    @Test
    void badUrisAreRefused() {
        for (String uri : new String[]{"gs://", "gs://b?private-key=topsecret", "gs://b?colour=blue", "gs://u:topsecret@b/p"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(uri).close(), uri);
            assertEquals(Errno.EINVAL, e.errno(), uri);
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
    }

    @Test
    void unreadableOrBrokenCredentialsFileFailsAtOpen() throws Exception {
        Path broken = Files.writeString(dir.resolve("sa.json"), "{\"type\": \"service_account\", \"private_key\": \"topsecret\"}");
        for (Path f : new Path[]{dir.resolve("missing.json"), broken}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open("gs://bucket/p?credentials-file=" + f).close());
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("gs://bucket/p/: no usable Google credentials"), e.getMessage());
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
    }
}
