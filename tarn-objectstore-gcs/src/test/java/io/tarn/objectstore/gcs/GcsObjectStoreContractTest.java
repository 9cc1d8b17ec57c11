package io.tarn.objectstore.gcs;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The ObjectStore contract against a real Google Cloud Storage bucket. GCS has no emulator that can be
 * installed here, so this runs only when {@code TARN_GCS_TEST_URI} names a bucket (e.g.
 * {@code gs://my-bucket/tarn-tests?credentials-file=/path/sa.json}) and is reported as skipped otherwise.
 * Each test works under a fresh random prefix and deletes what it wrote.
 */
@EnabledIfEnvironmentVariable(named = "TARN_GCS_TEST_URI", matches = "gs://.+",
        disabledReason = "no GCS bucket: set TARN_GCS_TEST_URI=gs://bucket/prefix[?credentials-file=...] to run against a real bucket")
class GcsObjectStoreContractTest extends ObjectStoreContract {
    static String base;

    @BeforeAll
    static void bucket() {
        base = System.getenv("TARN_GCS_TEST_URI");
    }

    @Override
    protected ObjectStore open() {
        int q = base.indexOf('?');
        String path = q < 0 ? base : base.substring(0, q);
        String query = q < 0 ? "" : base.substring(q);
        return ObjectStores.open(path.replaceAll("/+$", "") + "/run-" + UUID.randomUUID() + query);
    }

    @AfterEach
    void cleanUp() {
        if (store == null) return;
        List<String> keys;
        try (Stream<ObjectInfo> s = store.list("", null)) {
            keys = s.map(ObjectInfo::key).toList();
        }
        keys.forEach(store::delete);
    }
}
