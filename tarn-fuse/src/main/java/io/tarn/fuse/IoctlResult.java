package io.tarn.fuse;

/** The reply of a restricted IOCTL: the ioctl's return value and its output argument bytes. */
public record IoctlResult(int result, byte[] out) {}
