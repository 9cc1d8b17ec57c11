package io.tarn.api;

/** One name in a directory listing; {@code attr} is present only for readdirplus-style listings. */
public record DirEntry(String name, long ino, int type, Attr attr) {}
