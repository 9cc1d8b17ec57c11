package io.tarn.fuse;

/** The reply of OPEN and OPENDIR: our handle for this open and the FOPEN_* flags that steer the kernel's cache. */
public record Opened(long fh, int flags) {
    /** Bypass the page cache for this open. */
    public static final int DIRECT_IO = 1;
    /** Keep cached pages from earlier opens (the file did not change behind the kernel's back). */
    public static final int KEEP_CACHE = 2;
    public static final int NONSEEKABLE = 4;
    /** OPENDIR: let the kernel cache the directory listing. */
    public static final int CACHE_DIR = 8;
    public static final int STREAM = 16;
    /** Do not send FLUSH on close. */
    public static final int NOFLUSH = 32;
    public static final int PARALLEL_DIRECT_WRITES = 64;

    public static Opened of(long fh) {
        return new Opened(fh, 0);
    }
}
