package io.tarn.cli.bench;

import java.util.Arrays;

/** Latencies of one phase's operations, in nanoseconds, recorded by several threads; percentiles on demand. */
public final class Timings {
    private long[] ns = new long[1024];
    private int n;

    public synchronized void add(long nanos) {
        if (n == ns.length) ns = Arrays.copyOf(ns, n * 2);
        ns[n++] = nanos;
    }

    public synchronized int count() {
        return n;
    }

    /** The {@code q} quantile (0..1) in milliseconds; 0 without samples. */
    public synchronized double millis(double q) {
        if (n == 0) return 0;
        long[] s = Arrays.copyOf(ns, n);
        Arrays.sort(s);
        int i = (int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
        return s[i] / 1e6;
    }
}
