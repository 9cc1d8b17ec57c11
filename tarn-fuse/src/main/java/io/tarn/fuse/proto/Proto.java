package io.tarn.fuse.proto;

/**
 * Constants of the FUSE kernel protocol we speak (linux/fuse.h, protocol 7.38, plus the few later
 * bits we use by number) and the struct sizes our codec relies on.
 */
public final class Proto {
    public static final int KERNEL_MAJOR = 7, KERNEL_MINOR = 38;
    public static final long ROOT_ID = 1;

    public static final int IN_HEADER = 40, OUT_HEADER = 16, ATTR = 88, ENTRY_OUT = 128, ATTR_OUT = 104,
            OPEN_OUT = 16, INIT_OUT = 64, DIRENT = 24, STATFS_OUT = 80, WRITE_OUT = 8;

    // fuse_init_in/out flags (low word) and flags2 (<< 32).
    public static final long ASYNC_READ = 1L, POSIX_LOCKS = 1L << 1, ATOMIC_O_TRUNC = 1L << 3,
            EXPORT_SUPPORT = 1L << 4, BIG_WRITES = 1L << 5, DONT_MASK = 1L << 6, FLOCK_LOCKS = 1L << 10,
            HAS_IOCTL_DIR = 1L << 11, AUTO_INVAL_DATA = 1L << 12, DO_READDIRPLUS = 1L << 13,
            READDIRPLUS_AUTO = 1L << 14, ASYNC_DIO = 1L << 15, WRITEBACK_CACHE = 1L << 16,
            NO_OPEN_SUPPORT = 1L << 17, PARALLEL_DIROPS = 1L << 18, HANDLE_KILLPRIV = 1L << 19,
            POSIX_ACL = 1L << 20, ABORT_ERROR = 1L << 21, MAX_PAGES = 1L << 22, CACHE_SYMLINKS = 1L << 23,
            NO_OPENDIR_SUPPORT = 1L << 24, EXPLICIT_INVAL_DATA = 1L << 25, HANDLE_KILLPRIV_V2 = 1L << 28, SETXATTR_EXT = 1L << 29,
            INIT_EXT = 1L << 30, CREATE_SUPP_GROUP = 1L << 34, HAS_RESEND = 1L << 39;

    // Notification codes (out_header.error when unique == 0).
    public static final int NOTIFY_INVAL_INODE = 2, NOTIFY_INVAL_ENTRY = 3, NOTIFY_STORE = 4,
            NOTIFY_DELETE = 6, NOTIFY_RESEND = 7;

    /** Extension type carrying supplementary groups (struct fuse_supp_groups). */
    public static final int EXT_GROUPS = 32;

    /** _IOR(229, 0, uint32_t): attach a fresh /dev/fuse fd to an existing session as its own queue. */
    public static final long DEV_IOC_CLONE = 0x8004E500L;

    public static final int FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16,
            FATTR_MTIME = 32, FATTR_FH = 64, FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256, FATTR_CTIME = 1024,
            FATTR_KILL_SUIDGID = 2048;
    public static final int WRITE_KILL_SUIDGID = 4, OPEN_KILL_SUIDGID = 1;
    public static final int GETATTR_FH = 1, LK_FLOCK = 1, FSYNC_FDATASYNC = 1, RELEASE_FLUSH = 1;

    private Proto() {}
}
