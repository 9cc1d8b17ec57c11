package io.tarn.fuse;

/** The reply of CREATE: the new name and its open handle. */
public record Created(Entry entry, Opened opened) {}
