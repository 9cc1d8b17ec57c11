package io.tarn.api;

/** One object as listed by an {@link ObjectStore}. */
public record ObjectInfo(String key, long size, long lastModifiedMillis) {}
