package io.tarn.objectstore.gcs;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStoreProvider;

import java.net.URI;

/** {@code gs://bucket/prefix}: see {@link GcsOptions}. */
public final class GcsStoreProvider implements ObjectStoreProvider {
    @Override
    public String scheme() {
        return "gs";
    }

    @Override
    public ObjectStore open(URI uri) {
        return new GcsObjectStore(GcsOptions.parse(uri));
    }
}
