/**
 * The object store on Azure Blob Storage (Azure SDK for Java), plugged into {@code ObjectStores.open}
 * through the {@code az} scheme. Knows nothing of blocks or volumes; retries are RetryingObjectStore's.
 */
package io.tarn.objectstore.azure;
