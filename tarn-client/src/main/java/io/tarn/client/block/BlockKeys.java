package io.tarn.client.block;

/**
 * Object keys of one volume's blocks: {@code <prefix>/<volume uuid>/blocks/<2 hex shard>/<block id as 16 hex>}.
 * The prefix is empty when the store is already rooted where the volume's objects live. The shard is
 * the low byte of the id, so consecutive ids spread over 256 key ranges (S3 partitions by prefix).
 */
public record BlockKeys(String prefix, String volumeUuid) {
    public BlockKeys {
        prefix = prefix == null ? "" : stripSlashes(prefix);
        if (volumeUuid == null || volumeUuid.isEmpty() || volumeUuid.contains("/"))
            throw new IllegalArgumentException("bad volume uuid: " + volumeUuid);
    }

    public String key(long blockId) {
        String hex = String.format("%016x", blockId);
        return blocksPrefix() + hex.substring(14) + "/" + hex;
    }

    /** The prefix under which all of this volume's block objects live, ending in '/'. */
    public String blocksPrefix() {
        return (prefix.isEmpty() ? "" : prefix + "/") + volumeUuid + "/blocks/";
    }

    private static String stripSlashes(String p) {
        int from = 0, to = p.length();
        while (from < to && p.charAt(from) == '/') from++;
        while (to > from && p.charAt(to - 1) == '/') to--;
        return p.substring(from, to);
    }
}
