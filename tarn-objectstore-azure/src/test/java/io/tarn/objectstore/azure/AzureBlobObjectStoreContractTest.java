package io.tarn.objectstore.azure;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The ObjectStore contract against Azurite on loopback, under a prefix, through the az:// URI. */
class AzureBlobObjectStoreContractTest extends ObjectStoreContract {
    static AzuriteServer server;
    @TempDir
    static Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = AzuriteServer.shared();
    }


    @Override
    protected ObjectStore open() throws Exception {
        return ObjectStores.open("az://" + server.createContainer() + "/vols/a?credentials-file=" + server.writeCredentials(dir, true));
    }
}
