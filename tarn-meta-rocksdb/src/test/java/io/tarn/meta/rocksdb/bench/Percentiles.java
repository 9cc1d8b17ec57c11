package io.tarn.meta.rocksdb.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, summarised as p50/p99/max in microseconds. */
final class Percentiles {
    private long[] samples = new long[1024];
    private int n;

    synchronized void add(long ns) {
        if (n == samples.length) samples = Arrays.copyOf(samples, n * 2);
        samples[n++] = ns;
    }

    synchronized void addAll(Percentiles other) {
        for (int i = 0; i < other.n; i++) add(other.samples[i]);
    }

    synchronized String summary() {
        long[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        return String.format("n=%d p50=%.1fus p99=%.1fus max=%.1fus", n, s[n / 2] / 1e3,
                s[Math.min(n - 1, (int) (n * 0.99))] / 1e3, s[n - 1] / 1e3);
    }
}
