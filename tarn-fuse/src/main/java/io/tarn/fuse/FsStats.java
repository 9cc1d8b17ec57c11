package io.tarn.fuse;

/** The reply of STATFS (struct fuse_kstatfs): counts in blocks of {@code frsize} bytes, and inodes. */
public record FsStats(long blocks, long blocksFree, long blocksAvailable, long files, long filesFree,
                      int blockSize, int nameMax, int fragmentSize) {}
