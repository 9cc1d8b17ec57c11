package io.tarn.server.gc;

/**
 * Object keys of a volume's blocks as ADR 0040 lays them out: {@code <uuid>/blocks/<2 hex>/<16 hex id>},
 * the shard being the id's low byte. (The client writes them; this is the server's reading of the format.)
 */
public record BlockObjects(String volumeUuid) {

    public String prefix() {
        return volumeUuid + "/blocks/";
    }

    public String key(long blockId) {
        String hex = String.format("%016x", blockId);
        return prefix() + hex.substring(14) + "/" + hex;
    }

    /** The block id a key names, or -1 if the key is not a well-formed block key of this volume. */
    public long idOf(String key) {
        String p = prefix();
        if (!key.startsWith(p) || key.length() != p.length() + 3 + 16 || key.charAt(p.length() + 2) != '/') return -1;
        String hex = key.substring(p.length() + 3);
        if (!hex.substring(14).equals(key.substring(p.length(), p.length() + 2))) return -1;
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
