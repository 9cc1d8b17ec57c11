package io.tarn.cli.store;

import java.util.Arrays;

/** Latencies of one run in nanoseconds, added from many threads; read once when the run is over. */
public final class Latencies {
    private long[] nanos = new long[1024];
    private int n;

    public synchronized void add(long ns) {
        if (n == nanos.length) nanos = Arrays.copyOf(nanos, n * 2);
        nanos[n++] = ns;
    }

    /** The q-quantile (0..1) in milliseconds, 0 when empty. */
    public synchronized double millis(double q) {
        if (n == 0) return 0;
        long[] s = Arrays.copyOf(nanos, n);
        Arrays.sort(s);
        int i = (int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
        return s[i] / 1e6;
    }

    public synchronized int count() {
        return n;
    }
}
