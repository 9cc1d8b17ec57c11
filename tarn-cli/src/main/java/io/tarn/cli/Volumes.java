package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** What volume commands share: the embedded default store and a probe of a store before use. */
public final class Volumes {
    private Volumes() {}

    /** With an embedded store the blocks go to DIR/objects; a server needs --store. */
    static String defaultStore(MetaConnection mc, String volume) {
        if (mc.dataDir() == null)
            throw FsException.of(Errno.EINVAL, "volume %s needs --store URI (e.g. file:///srv/tarn) with --meta", volume);
        return mc.dataDir().resolve("objects").toUri().toString();
    }

    /** Puts, reads back and deletes a probe object, so a bad store fails before any data is written. */
    public static void checkStore(String uri) {
        try (ObjectStore store = ObjectStores.open(uri)) {
            String key = ".tarn-probe-" + UUID.randomUUID();
            byte[] probe = "tarn probe".getBytes(StandardCharsets.US_ASCII);
            store.put(key, ByteBuffer.wrap(probe));
            var back = store.get(key, 0, -1);
            store.delete(key);
            if (back.isEmpty() || back.get().remaining() != probe.length)
                throw FsException.of(Errno.EIO, "object store %s did not return what was written", store.describe());
        } catch (io.tarn.api.ObjectStoreException e) {
            throw new FsException(Errno.EIO, "object store " + uri + " is not usable: " + e.getMessage(), e);
        }
    }
}
