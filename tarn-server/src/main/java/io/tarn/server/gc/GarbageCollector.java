package io.tarn.server.gc;

import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.MetaService;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;

/**
 * One collection of one volume. An object is deleted only when nothing can reach it:
 * <ol>
 * <li>Expired garbage: blocks that left the live map before the {@link MetaService#gcHorizon horizon}
 *     (now minus retention, and no later than any open or pinned view's instant). Their object goes, then the record.</li>
 * <li>Leaked uploads: the store is listed first, then the ids referenced by the live map and by the
 *     remaining garbage records are read, so an upload committed during the listing is seen as
 *     referenced. An unreferenced object is deleted only if it is older than the grace period and no
 *     live session of the volume was already open when it was written (that session may still commit it).</li>
 * </ol>
 * Deletes pass through a {@link RateLimit} so a collection cannot saturate the store.
 */
public final class GarbageCollector {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

    private final MetaService meta;
    private final InstantSource clock;
    private final Duration grace;
    private final RateLimit rate;

    /**
     * {@code meta} is the metadata service that holds the volume: the engine in this process or a
     * remote server (ADR 0081); either way it answers the same GC calls and this class deletes objects.
     */
    public GarbageCollector(MetaService meta, InstantSource clock, Duration grace, RateLimit rate) {
        this.meta = meta;
        this.clock = clock;
        this.grace = grace;
        this.rate = rate;
    }

    public GcReport collect(VolumeInfo v, ObjectStore store, boolean dryRun, boolean leaks, GcProgress progress) {
        long[] garbage = expired(v, store, dryRun, progress);
        long[] leaked = leaks ? leaked(v, store, dryRun, progress) : new long[3];
        return new GcReport(garbage[0], garbage[1], leaked[0], leaked[1], leaked[2]);
    }

    private long[] expired(VolumeInfo v, ObjectStore store, boolean dryRun, GcProgress progress) {
        BlockObjects keys = new BlockObjects(v.uuid());
        long horizon = meta.gcHorizon(v.name());
        long[] done = new long[2];
        progress.phase("expired garbage", -1);
        LedgerPages.forEachGarbagePage(meta, v.name(), horizon, page -> {
            for (GarbageBlock g : page) {
                if (!dryRun) {
                    rate.acquire();
                    store.delete(keys.key(g.blockId()));
                }
                done[0]++;
                done[1] += g.storedLength();
                progress.advance(1);
            }
            // The objects go first: a record left behind by a crash here only costs a second, harmless delete.
            if (!dryRun) meta.forgetGarbage(v.name(), page);
        });
        return done;
    }

    private long[] leaked(VolumeInfo v, ObjectStore store, boolean dryRun, GcProgress progress) {
        BlockObjects keys = new BlockObjects(v.uuid());
        progress.phase("listing the store", -1);
        StoreListing listed = StoreListing.of(store, keys, progress);
        // Read only after the listing: an upload committed while the store was listed is then referenced.
        GcClients clients = meta.gcClients(v.name());
        progress.phase("reading references", -1);
        long[] referenced = LedgerPages.referenced(meta, v.name());
        long nowMs = clock.millis();
        long objects = 0, bytes = 0, kept = 0;
        progress.phase("unreferenced objects", listed.size() + listed.strangers().size());
        for (int i = 0; i < listed.size(); i++) {
            progress.advance(1);
            long id = listed.id(i);
            if (Arrays.binarySearch(referenced, id) >= 0) continue;
            if (nowMs - listed.modifiedMillis(i) < grace.toMillis() || clients.mayCommit(id, listed.modifiedMillis(i))) {
                kept++;
                continue;
            }
            if (!dryRun) {
                rate.acquire();
                store.delete(keys.key(id));
            }
            objects++;
            bytes += listed.size(i);
        }
        for (ObjectInfo o : listed.strangers()) {
            progress.advance(1);
            if (nowMs - o.lastModifiedMillis() < grace.toMillis()) {
                kept++;
                continue;
            }
            if (!dryRun) {
                rate.acquire();
                store.delete(o.key());
            }
            objects++;
            bytes += o.size();
        }
        return new long[]{objects, bytes, kept};
    }
}
