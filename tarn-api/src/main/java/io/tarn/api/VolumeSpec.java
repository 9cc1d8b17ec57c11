package io.tarn.api;

/**
 * What a user asks for when creating a volume. {@code retentionSeconds}: 0 off, -1 forever;
 * {@code encryption}: how its clients encrypt it (never a key; {@link VolumeEncryption#NONE} if null);
 * {@code proxy}: the proxy group its clients send blocks through, {@code host:port[,host:port]}, or "" for
 * none (ADR 0140).
 */
public record VolumeSpec(String name, String storeUri, int blockSize, String compression, long retentionSeconds,
                         VolumeEncryption encryption, String proxy) {
    public static final int MIN_BLOCK_SIZE = 256 * 1024, MAX_BLOCK_SIZE = 8 * 1024 * 1024,
            DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
    public static final long DEFAULT_RETENTION_SECONDS = 7L * 24 * 3600;

    /** Checks the spec; throws EINVAL with a message a user can act on. */
    public VolumeSpec {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}"))
            throw FsException.of(Errno.EINVAL, "volume name must be 1-63 letters, digits, '.', '_' or '-' and start with a letter or digit: %s", name);
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1)
            throw FsException.of(Errno.EINVAL, "block size must be a power of two from 256K to 8M, not %d", blockSize);
        if (storeUri == null || storeUri.isBlank())
            throw FsException.of(Errno.EINVAL, "volume %s needs an object store URI", name);
        if (compression == null) compression = "lz4";
        if (!compression.equals("lz4") && !compression.equals("zstd") && !compression.equals("none"))
            throw FsException.of(Errno.EINVAL, "compression must be lz4, zstd or none, not %s", compression);
        if (retentionSeconds < -1)
            throw FsException.of(Errno.EINVAL, "retention must be -1 (forever), 0 (off) or a number of seconds");
        if (encryption == null) encryption = VolumeEncryption.NONE;
        proxy = checkProxy(proxy);
    }

    /** A volume without a proxy group. */
    public VolumeSpec(String name, String storeUri, int blockSize, String compression, long retentionSeconds,
                      VolumeEncryption encryption) {
        this(name, storeUri, blockSize, compression, retentionSeconds, encryption, "");
    }

    /**
     * A proxy group as stored: "" for none, else {@code host:port} entries joined by commas, blanks dropped;
     * EINVAL for an entry that is not {@code host:port}.
     */
    public static String checkProxy(String proxy) {
        if (proxy == null || proxy.isBlank()) return "";
        java.util.List<String> members = new java.util.ArrayList<>();
        for (String m : proxy.split(",")) {
            String t = m.strip();
            if (t.isEmpty()) continue;
            int colon = t.lastIndexOf(':');
            String port = colon < 0 ? "" : t.substring(colon + 1);
            if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)
                throw FsException.of(Errno.EINVAL, "proxy must be HOST:PORT[,HOST:PORT...], not '%s'", t);
            members.add(t);
        }
        return String.join(",", members);
    }

    /** An unencrypted volume. */
    public VolumeSpec(String name, String storeUri, int blockSize, String compression, long retentionSeconds) {
        this(name, storeUri, blockSize, compression, retentionSeconds, VolumeEncryption.NONE);
    }
}
