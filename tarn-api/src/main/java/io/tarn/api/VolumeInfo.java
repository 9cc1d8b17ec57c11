package io.tarn.api;

/** A volume as the metadata server knows it. {@code uuid} names its objects in the store. */
public record VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                         long retentionSeconds, long createdNs, long rootIno) {}
