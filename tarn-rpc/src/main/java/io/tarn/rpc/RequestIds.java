package io.tarn.rpc;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids for one client: {@code ((ms since 2025 << 10) + n) << 12 | tag}. They increase within
 * a client, and a client that takes over a session later starts above its predecessor (unless that
 * one averaged over 1024 calls per millisecond), which the engine needs: it keeps a session's newest
 * outcomes by id (ADR 0022). The random 12-bit tag keeps two clients that share a session at the
 * same time apart, except with probability 1/4096 per pair; do not share sessions that way.
 */
final class RequestIds {
    private static final long EPOCH_MILLIS = 1_735_689_600_000L; // 2025-01-01T00:00:00Z
    private static final int TAG_BITS = 12, HEADROOM_BITS = 10;

    private final AtomicLong counter = new AtomicLong((System.currentTimeMillis() - EPOCH_MILLIS) << HEADROOM_BITS);
    private final long tag = new SecureRandom().nextInt(1 << TAG_BITS);

    long next() {
        return counter.getAndIncrement() << TAG_BITS | tag;
    }
}
