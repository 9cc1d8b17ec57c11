package io.tarn.api;

/** A lock a client holds on inode {@code ino}, re-asserted to a metadata server that restarted. */
public record LockClaim(long ino, LockSpec lock) {}
