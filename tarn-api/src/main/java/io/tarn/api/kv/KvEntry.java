package io.tarn.api.kv;

/** One key and its value, as a scan returns them. */
public record KvEntry(byte[] key, byte[] value) {}
