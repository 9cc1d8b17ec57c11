package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStoreProvider;

import java.net.URI;

/** {@code s3://bucket/prefix?endpoint=...&region=...&path-style=true}: see {@link S3Options}. */
public final class S3StoreProvider implements ObjectStoreProvider {
    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public ObjectStore open(URI uri) {
        return new S3ObjectStore(S3Options.parse(uri));
    }
}
