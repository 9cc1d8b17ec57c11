package io.tarn.objectstore;

import io.tarn.api.ObjectStoreException;

/** Checks object keys the way every store here wants them: relative, '/'-separated, no empty or dot segments. */
public final class ObjectKeys {
    /** Temporary files of {@link LocalDirObjectStore} start with this; keys may not. */
    static final String TEMP_PREFIX = ".tarn-tmp-";

    private ObjectKeys() {}

    /** The key itself if every store here can hold it; ObjectStoreException (not retryable) otherwise. */
    public static String check(String key) {
        if (key == null || key.isEmpty()) throw new ObjectStoreException("empty object key", false);
        if (key.startsWith("/") || key.endsWith("/"))
            throw new ObjectStoreException("object key must not start or end with '/': " + key, false);
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.startsWith(TEMP_PREFIX))
                throw new ObjectStoreException("invalid segment '" + seg + "' in object key: " + key, false);
            if (seg.indexOf('\0') >= 0) throw new ObjectStoreException("NUL in object key: " + key, false);
        }
        return key;
    }
}
