package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The ObjectStore contract against a real S3 server (S3Proxy on loopback), under a prefix, through the s3:// URI: block GETs and PUTs take the direct path. */
class S3ObjectStoreContractTest extends ObjectStoreContract {
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

    @Override
    protected ObjectStore open() throws Exception {
        // A fresh bucket per test, and a prefix, so keys must be mapped both ways.
        return ObjectStores.open(server.uri(server.createBucket(), "vols/a", server.writeCredentials(dir, true)));
    }
}
