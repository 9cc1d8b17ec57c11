/**
 * The object store on Google Cloud Storage (Google Cloud client library), plugged into
 * {@code ObjectStores.open} through the {@code gs} scheme. Knows nothing of blocks or volumes; retries are
 * RetryingObjectStore's.
 */
package io.tarn.objectstore.gcs;
