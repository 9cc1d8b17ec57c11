package io.tarn.objectstore.azure;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.ObjectStores;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Wrong key, missing container, secrets in the URI: clear verdicts, nothing leaked. */
@Timeout(60)
class AzureBadInputTest {
    static AzuriteServer server;
    @TempDir
    static Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = AzuriteServer.shared();
    }


    private static ObjectStoreException putFails(String uri) {
        try (ObjectStore s = ObjectStores.open(uri)) {
            return assertThrows(ObjectStoreException.class, () -> s.put("probe", ByteBuffer.wrap(new byte[]{1})));
        }
    }

    @Test
    void wrongAccountKeyIsPermanent() throws Exception {
        ObjectStoreException e = putFails("az://" + server.createContainer() + "?account=" + AzuriteServer.ACCOUNT
                + "&endpoint=" + server.blobEndpoint() + "&credentials-file=" + server.writeCredentials(dir, false));
        assertFalse(e.retryable(), e.getMessage());
        assertTrue(e.getMessage().contains("403"), e.getMessage());
        assertFalse(e.getMessage().contains(AzuriteServer.DEV_KEY.substring(4)), e.getMessage());
    }

    @Test
    void missingContainerIsPermanentAndNamed() throws Exception {
        ObjectStoreException e = putFails("az://no-such-container?credentials-file=" + server.writeCredentials(dir, true));
        assertFalse(e.retryable(), e.getMessage());
        assertTrue(e.getMessage().contains("container does not exist"), e.getMessage());
    }

    @Test
    void secretsInTheUriAreRefused() {
        for (String uri : new String[]{"az://c?account=a&account-key=topsecret", "az://c?account=a&sas=topsecret", "az://c"}) {
            FsException e = assertThrows(FsException.class, () -> ObjectStores.open(uri).close(), uri);
            assertEquals(Errno.EINVAL, e.errno(), uri);
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
    }
}
