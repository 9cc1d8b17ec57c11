package io.tarn.api;

/**
 * The one exception type of Tarn's filesystem layers: an {@link Errno} and a message. Expected
 * outcomes (ENOENT, EEXIST, ENOTEMPTY, ENODATA, ...) carry no stack trace because they are hot;
 * each boundary converts it once (FUSE replies -errno, RPC sends the errno name, the CLI prints
 * one line).
 */
public final class FsException extends RuntimeException {
    private final Errno errno;

    public FsException(Errno errno, String message) {
        super(message, null, false, isUnexpected(errno));
        this.errno = errno;
    }

    public FsException(Errno errno, String message, Throwable cause) {
        super(message, cause, false, true);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        String m = super.getMessage();
        return m == null ? errno.name() : errno.name() + ": " + m;
    }

    private static boolean isUnexpected(Errno e) {
        return switch (e) {
            case ENOENT, EEXIST, ENOTEMPTY, ENODATA, EACCES, EPERM, ENOTDIR, EISDIR, ERANGE,
                 EAGAIN, EINTR, ENOSYS, ENAMETOOLONG, EINVAL, EXDEV, ELOOP -> false;
            default -> true;
        };
    }

    public static FsException of(Errno e, String format, Object... args) {
        return new FsException(e, args.length == 0 ? format : String.format(format, args));
    }
}
