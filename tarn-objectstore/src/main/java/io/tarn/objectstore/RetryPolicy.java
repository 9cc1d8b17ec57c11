package io.tarn.objectstore;

import java.time.Duration;

/**
 * How {@link RetryingObjectStore} retries: at most {@code maxAttempts} tries, waits drawn uniformly
 * from {@code [0, min(maxDelay, baseDelay * 2^(attempt-1))]} ("full jitter", so that many clients
 * failing together do not retry together), and a {@code deadline} for the whole request including
 * waits. {@code attemptTimeout} bounds one try (zero: unbounded), for stores whose calls can hang.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration deadline, Duration attemptTimeout) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofMillis(50), Duration.ofSeconds(5),
            Duration.ofSeconds(60), Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
        if (baseDelay.isNegative() || maxDelay.isNegative() || deadline.isNegative() || attemptTimeout.isNegative())
            throw new IllegalArgumentException("retry durations must not be negative");
    }

    /** The longest wait before try {@code attempt + 1} (attempt counts from 1). */
    long capNanos(int attempt) {
        long base = baseDelay.toNanos();
        int shift = Math.min(attempt - 1, 30);
        long grown = base > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : base << shift;
        return Math.min(maxDelay.toNanos(), grown);
    }
}
