package io.tarn.api;

/**
 * What a volume holds: {@code liveBytes} in its current files, {@code historyBytes} (stored) of
 * blocks no current file uses but the retention window still may; {@code oldestInstantNs} is the
 * oldest instant a time-travel view can show (-1: none, history off or not yet available).
 */
public record VolumeUsage(long liveBytes, long liveInodes, long historyBytes, long historyBlocks, long oldestInstantNs) {}
