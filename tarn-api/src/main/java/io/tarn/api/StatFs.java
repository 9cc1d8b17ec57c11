package io.tarn.api;

/** Usage of one volume; a quota of 0 means none. */
public record StatFs(long usedBytes, long usedInodes, long quotaBytes, long quotaInodes) {}
