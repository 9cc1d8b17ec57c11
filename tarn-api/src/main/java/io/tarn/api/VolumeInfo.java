package io.tarn.api;

/**
 * A volume as the metadata server knows it. {@code uuid} names its objects in the store;
 * {@code encryption} says how its clients encrypt it (ADR 0091), {@link VolumeEncryption#NONE} for a
 * volume made before volumes recorded it; {@code proxy} the proxy group its clients send blocks through
 * ({@code host:port[,host:port]}, "" for none; ADR 0140).
 */
public record VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                         long retentionSeconds, long createdNs, long rootIno, VolumeEncryption encryption, String proxy) {
    public VolumeInfo {
        if (encryption == null) encryption = VolumeEncryption.NONE;
        if (proxy == null) proxy = "";
    }

    /** A volume without a proxy group. */
    public VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                      long retentionSeconds, long createdNs, long rootIno, VolumeEncryption encryption) {
        this(name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, rootIno, encryption, "");
    }

    /** An unencrypted volume. */
    public VolumeInfo(String name, String uuid, String storeUri, int blockSize, String compression,
                      long retentionSeconds, long createdNs, long rootIno) {
        this(name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, rootIno, VolumeEncryption.NONE);
    }
}
