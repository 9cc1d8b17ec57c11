package io.tarn.api;

/** A client's session on one volume: its id (carried by every {@link Ctx}) and the volume it opened. */
public record SessionInfo(long session, VolumeInfo volume) {}
