package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvStore;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out inode numbers from ranges reserved in their own small transaction, so creations do not
 * all update one counter key. A range left unused when the server stops is simply skipped.
 */
final class InodeNumbers {
    static final int RANGE = 1024;
    private final KvStore kv;
    private final ConcurrentHashMap<Long, long[]> ranges = new ConcurrentHashMap<>();

    InodeNumbers(KvStore kv) {
        this.kv = kv;
    }

    /** A fresh inode number of volume {@code vol}. Must not be called inside a transaction. */
    long next(long vol) {
        long[] r = ranges.computeIfAbsent(vol, v -> new long[2]);
        synchronized (r) {
            if (r[0] == r[1]) {
                long first = kv.write(w -> {
                    VolumeRecord v = Volumes.byId(w, vol);
                    if (v == null) throw FsException.of(Errno.ESTALE, "volume %d is gone", vol);
                    return new VolumeTx(w, v, 0, io.tarn.api.Caller.ROOT, 0).take("ino", RANGE, Volumes.FIRST_INO);
                });
                r[0] = first;
                r[1] = first + RANGE;
            }
            return r[0]++;
        }
    }

    void forget(long vol) {
        ranges.remove(vol);
    }
}
