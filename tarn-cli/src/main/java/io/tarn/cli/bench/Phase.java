package io.tarn.cli.bench;

/**
 * One measured phase: {@code ops} operations (files, blocks or entries) moving {@code bytes} in
 * {@code nanos} of wall time, with per-operation latencies.
 */
public record Phase(String name, String unit, long ops, long bytes, long nanos, Timings latencies) {
    public double seconds() {
        return nanos / 1e9;
    }

    public double mibPerSecond() {
        return bytes / 1048576.0 / Math.max(1e-9, seconds());
    }

    public double opsPerSecond() {
        return ops / Math.max(1e-9, seconds());
    }
}
