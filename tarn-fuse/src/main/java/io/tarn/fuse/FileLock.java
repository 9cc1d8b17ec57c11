package io.tarn.fuse;

/** A POSIX byte-range lock (struct fuse_file_lock): type F_RDLCK (0), F_WRLCK (1) or F_UNLCK (2); end inclusive. */
public record FileLock(long start, long end, int type, int pid) {
    public static final int RDLCK = 0, WRLCK = 1, UNLCK = 2;
}
