package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;

/** The ObjectStore contract with every request on the SDK ({@code direct-http=false}), as stores on AWS itself run. */
class S3SdkPathContractTest extends S3ObjectStoreContractTest {
    @Override
    protected ObjectStore open() throws Exception {
        return ObjectStores.open(server.uri(server.createBucket(), "vols/a", server.writeCredentials(dir, true)) + "&direct-http=false");
    }
}
