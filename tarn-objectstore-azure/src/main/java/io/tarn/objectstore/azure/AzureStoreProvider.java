package io.tarn.objectstore.azure;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStoreProvider;

import java.net.URI;

/** {@code az://container/prefix?account=NAME}: see {@link AzureOptions}. */
public final class AzureStoreProvider implements ObjectStoreProvider {
    @Override
    public String scheme() {
        return "az";
    }

    @Override
    public ObjectStore open(URI uri) {
        return new AzureBlobObjectStore(AzureOptions.parse(uri));
    }
}
