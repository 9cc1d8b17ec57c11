package io.tarn.client;

/** The open(2) flag bits {@link Vfs} understands, with their Linux values (as FUSE passes them). */
public final class OpenFlags {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3,
            O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000, O_APPEND = 02000, O_DIRECTORY = 0200000,
            O_NOATIME = 01000000;

    private OpenFlags() {}

    public static boolean readable(int flags) {
        int a = flags & O_ACCMODE;
        return a == O_RDONLY || a == O_RDWR;
    }

    public static boolean writable(int flags) {
        int a = flags & O_ACCMODE;
        return a == O_WRONLY || a == O_RDWR;
    }
}
