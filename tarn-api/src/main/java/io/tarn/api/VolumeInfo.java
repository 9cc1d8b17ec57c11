package io.tarn.api;

/**
 * A volume as the metadata server knows it. {@code uuid} names its objects in the store;
 * {@code encryption} says how its clients encrypt it (ADR 0091), {@link VolumeEncryption#NONE} for a
 * volume made before volumes recorded it.
 */
public record VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                         long retentionSeconds, long createdNs, long rootIno, VolumeEncryption encryption) {
    public VolumeInfo {
        if (encryption == null) encryption = VolumeEncryption.NONE;
    }

    /** An unencrypted volume. */
    public VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                      long retentionSeconds, long createdNs, long rootIno) {
        this(name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, rootIno, VolumeEncryption.NONE);
    }
}
