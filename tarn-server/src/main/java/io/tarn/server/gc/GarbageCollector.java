package io.tarn.server.gc;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.meta.GarbageLedger;
import io.tarn.meta.GarbageLedger.Garbage;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One collection of one volume. An object is deleted only when nothing can reach it:
 * <ol>
 * <li>Expired garbage: blocks that left the live map before the {@link GarbageLedger#horizon horizon}
 *     (now minus retention, and no later than any open view's instant). Their object goes, then the record.</li>
 * <li>Leaked uploads: the store is listed first, then the ids referenced by the live map and by the
 *     remaining garbage records are read, so an upload committed during the listing is seen as
 *     referenced. An unreferenced object is deleted only if it is older than the grace period and no
 *     live session of the volume was already open when it was written (that session may still commit it).</li>
 * </ol>
 * Deletes pass through a {@link RateLimit} so a collection cannot saturate the store.
 */
public final class GarbageCollector {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    private static final int PAGE = 1000;

    private final GarbageLedger ledger;
    private final InstantSource clock;
    private final Duration grace;
    private final RateLimit rate;

    public GarbageCollector(GarbageLedger ledger, InstantSource clock, Duration grace, RateLimit rate) {
        this.ledger = ledger;
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
        long horizon = ledger.horizon(v.name());
        long objects = 0, bytes = 0;
        if (dryRun) {
            List<Garbage> all = new ArrayList<>();
            ledger.forEachGarbage(v.name(), g -> {
                if (g.timeNs() < horizon) all.add(g);
            });
            progress.phase("expired garbage", all.size());
            for (Garbage g : all) {
                objects++;
                bytes += g.storedLength();
                progress.advance(1);
            }
            return new long[]{objects, bytes};
        }
        progress.phase("expired garbage", -1);
        while (true) {
            List<Garbage> page = ledger.expired(v.name(), horizon, PAGE);
            for (Garbage g : page) {
                rate.acquire();
                store.delete(keys.key(g.blockId()));
                objects++;
                bytes += g.storedLength();
                progress.advance(1);
            }
            if (!page.isEmpty()) ledger.forget(v.name(), page);
            if (page.size() < PAGE) return new long[]{objects, bytes};
        }
    }

    private long[] leaked(VolumeInfo v, ObjectStore store, boolean dryRun, GcProgress progress) {
        BlockObjects keys = new BlockObjects(v.uuid());
        progress.phase("listing the store", -1);
        List<ObjectInfo> listed = new ArrayList<>();
        try (Stream<ObjectInfo> s = store.list(keys.prefix(), null)) {
            for (Iterator<ObjectInfo> it = s.iterator(); it.hasNext(); ) {
                listed.add(it.next());
                progress.advance(1);
            }
        }
        GarbageLedger.Clients clients = ledger.clients(v.name());
        long[] referenced = referenced(v);
        long nowMs = clock.millis();
        long objects = 0, bytes = 0, kept = 0;
        progress.phase("unreferenced objects", listed.size());
        for (ObjectInfo o : listed) {
            progress.advance(1);
            long id = keys.idOf(o.key());
            if (id > 0 && Arrays.binarySearch(referenced, id) >= 0) continue;
            boolean young = nowMs - o.lastModifiedMillis() < grace.toMillis();
            boolean sessionMayCommit = id > 0 && id < clients.reservedBelow() && clients.oldestSessionOpenedNs() >= 0
                    && clients.oldestSessionOpenedNs() / 1_000_000L <= o.lastModifiedMillis();
            if (young || sessionMayCommit) {
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

    /** The ids the live map and the garbage records reference, sorted. */
    private long[] referenced(VolumeInfo v) {
        long[][] ids = {new long[1024]};
        int[] n = {0};
        ledger.forEachReferenced(v.name(), id -> {
            if (n[0] == ids[0].length) ids[0] = Arrays.copyOf(ids[0], n[0] * 2);
            ids[0][n[0]++] = id;
        });
        long[] sorted = Arrays.copyOf(ids[0], n[0]);
        Arrays.sort(sorted);
        return sorted;
    }
}
