package io.tarn.server.gc;

import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.meta.LocalMetaService;
import io.tarn.objectstore.ObjectStores;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Garbage collection running inside a metadata server: every {@code period} it deletes each volume's
 * expired garbage, and every {@code leakPeriod} it also lists the store for leaked uploads; deletes are
 * rate-limited. A volume whose store cannot be opened is skipped and logged.
 */
public final class BackgroundCollector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackgroundCollector.class.getName());
    private final LocalMetaService meta;
    private final GarbageCollector gc;
    private final ScheduledExecutorService timer;
    private final long leakPeriodNs;
    private final Map<String, ObjectStore> stores = new HashMap<>();
    private long lastLeakSweep = System.nanoTime();

    public BackgroundCollector(LocalMetaService meta, Duration period, Duration leakPeriod, int deletesPerSecond) {
        this.meta = meta;
        this.gc = new GarbageCollector(meta, Clock.systemUTC(), GarbageCollector.DEFAULT_GRACE, new RateLimit(deletesPerSecond));
        this.leakPeriodNs = leakPeriod.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tarn-gc");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::runOnce, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The defaults of a metadata server: garbage every minute, leaks every 6 hours, 200 deletes/s. The
     * environment variable {@value #PERIOD_ENV} (seconds) changes the first; 0 turns continuous GC off
     * (then only {@code tarn gc} collects), e.g. for tests that must see what one collection does. Null
     * when off.
     */
    public static BackgroundCollector start(LocalMetaService meta) {
        Duration period = period(System.getenv(PERIOD_ENV));
        return period.isZero() ? null : new BackgroundCollector(meta, period, Duration.ofHours(6), 200);
    }

    public static final String PERIOD_ENV = "TARN_GC_PERIOD";

    static Duration period(String env) {
        if (env == null || env.isBlank()) return Duration.ofMinutes(1);
        try {
            long s = Long.parseLong(env.trim());
            if (s >= 0) return Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            // reported below
        }
        LOG.log(System.Logger.Level.WARNING, PERIOD_ENV + "=" + env + " is not a number of seconds; collecting every minute");
        return Duration.ofMinutes(1);
    }

    private synchronized void runOnce() {
        boolean leaks = System.nanoTime() - lastLeakSweep > leakPeriodNs;
        if (leaks) lastLeakSweep = System.nanoTime();
        try {
            for (VolumeInfo v : meta.listVolumes()) {
                try {
                    ObjectStore store = stores.computeIfAbsent(v.storeUri(), ObjectStores::open);
                    GcReport r = gc.collect(v, store, false, leaks, GcProgress.NONE);
                    if (r.objects() > 0)
                        LOG.log(System.Logger.Level.INFO, "gc {0}: freed {1} objects, {2} bytes", v.name(), r.objects(), r.bytes());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "gc of volume " + v.name() + " failed: " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "gc failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            stores.values().forEach(ObjectStore::close);
            stores.clear();
        }
    }
}
