package io.tarn.server.gc;

import java.util.concurrent.locks.LockSupport;

/** At most {@code perSecond} permits a second, spaced evenly; {@link #UNLIMITED} never waits. */
public final class RateLimit {
    public static final RateLimit UNLIMITED = new RateLimit(0);
    private final long intervalNs;
    private long next;

    public RateLimit(int perSecond) {
        this.intervalNs = perSecond <= 0 ? 0 : 1_000_000_000L / perSecond;
    }

    public synchronized void acquire() {
        if (intervalNs == 0) return;
        long now = System.nanoTime();
        if (next > now) LockSupport.parkNanos(next - now);
        next = Math.max(now, next) + intervalNs;
    }
}
