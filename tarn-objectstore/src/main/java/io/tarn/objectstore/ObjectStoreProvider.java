package io.tarn.objectstore;

import io.tarn.api.ObjectStore;

import java.net.URI;

/**
 * Opens stores for one URI scheme; found through {@link java.util.ServiceLoader}, so a cloud store
 * module (tarn-objectstore-s3, ...) only has to be on the class path.
 */
public interface ObjectStoreProvider {
    /** The URI scheme this provider answers, lower case ("s3", "az", "gs"). */
    String scheme();

    /**
     * A store rooted at the URI: keys given to it are relative to the bucket and prefix the URI names.
     * Throws FsException(EINVAL) for a malformed URI.
     */
    ObjectStore open(URI uri);
}
