package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The ObjectStore contract with every request on the SDK ({@code direct-http=false}), as stores on AWS itself run. */
class S3SdkPathContractTest extends ObjectStoreContract {
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
        return ObjectStores.open(server.uri(server.createBucket(), "vols/a", server.writeCredentials(dir, true)) + "&direct-http=false");
    }
}
