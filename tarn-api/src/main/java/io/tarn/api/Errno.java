package io.tarn.api;

/** The POSIX error numbers Tarn reports, with their Linux x86_64 values (asm-generic/errno*.h). */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11),
    ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20),
    EISDIR(21), EINVAL(22), ENFILE(23), EMFILE(24), ETXTBSY(26), EFBIG(27), ENOSPC(28), ESPIPE(29),
    EROFS(30), EMLINK(31), EPIPE(32), ERANGE(34), EDEADLK(35), ENAMETOOLONG(36), ENOLCK(37),
    ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENODATA(61), ETIME(62), EPROTO(71), EOVERFLOW(75), EBADMSG(74),
    ENOTSUP(95), ECONNREFUSED(111), ETIMEDOUT(110), EHOSTUNREACH(113), ESTALE(116), EDQUOT(122),
    ECANCELED(125);

    private static final Errno[] BY_CODE = new Errno[128];
    static {
        for (Errno e : values()) BY_CODE[e.code] = e;
    }

    /** The positive errno value. */
    public final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The enum for a positive errno value; EIO for values Tarn does not know. */
    public static Errno of(int code) {
        Errno e = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return e == null ? EIO : e;
    }
}
