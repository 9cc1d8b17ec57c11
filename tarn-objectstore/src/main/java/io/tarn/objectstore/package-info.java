/**
 * Object stores that need no cloud SDK: {@link io.tarn.objectstore.LocalDirObjectStore} (the embedded
 * default), {@link io.tarn.objectstore.MemoryObjectStore} (a fake for tests), the decorators
 * {@link io.tarn.objectstore.RetryingObjectStore}, {@link io.tarn.objectstore.MeteredObjectStore} and
 * {@link io.tarn.objectstore.FaultInjectingObjectStore},
 * and {@link io.tarn.objectstore.ObjectStores#open(String)}, which picks a store by URI scheme.
 * Cloud stores (s3, az, gs) plug in through {@link io.tarn.objectstore.ObjectStoreProvider} and parse their
 * URIs with {@link io.tarn.objectstore.StoreUri} (bucket, prefix, checked options, no secrets).
 * Nothing here knows about blocks, volumes or metadata.
 */
package io.tarn.objectstore;
