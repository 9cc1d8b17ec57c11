/**
 * Block garbage collection (ADR 0080): deletes the objects of blocks that left the live volume longer
 * ago than the retention window (and than any open time-travel view), and uploads no block map ever
 * took once they are older than a grace period and no session that could still commit them lives.
 * Used continuously by the metadata server ({@link io.tarn.server.gc.BackgroundCollector}) and on
 * demand by {@code tarn gc} ({@link io.tarn.server.gc.GarbageCollector}).
 */
package io.tarn.server.gc;
