package io.tarn.fuse.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ArrayBlockingQueue;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls the transport needs, as FFM downcalls. Every method returns the call's result,
 * or {@code -errno} when it failed, so callers never read errno themselves.
 */
public final class Libc {
    public static final int O_RDWR = 2, O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;
    public static final int EINTR = 4, ENOENT = 2, EAGAIN = 11, ENODEV = 19, EBUSY = 16, EINVAL = 22;
    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4;
    public static final int MNT_FORCE = 1, MNT_DETACH = 2;
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    public static final int POLLIN = 1;
    public static final int F_SETFD = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Linker.Option.captureStateLayout()));
    /**
     * errno segments for virtual threads: they usually make one call (a deferred reply) and end, so a
     * thread-local segment would be a native allocation and a Cleaner run per call. Taken per call,
     * given back by {@link #check}; bounded, extras are left to the garbage collector.
     */
    private static final ArrayBlockingQueue<MemorySegment> SPARE_STATES = new ArrayBlockingQueue<>(256);

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle READV = fn("readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle WRITEV = fn("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle FCNTL = fn("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle MOUNT = fn("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1);
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
    private static final MethodHandle EVENTFD = fn("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle SOCKETPAIR = fn("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle LISTEN = fn("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle ACCEPT = fn("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle CONNECT = fn("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle SENDMSG = fn("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle RECVMSG = fn("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle SPAWNP = fn("posix_spawnp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS), -1);
    private static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle GETUID = fn("getuid", FunctionDescriptor.of(JAVA_INT), -1);
    private static final MethodHandle GETGID = fn("getgid", FunctionDescriptor.of(JAVA_INT), -1);
    private static final MethodHandle GETEUID = fn("geteuid", FunctionDescriptor.of(JAVA_INT), -1);

    private Libc() {}

    @SuppressWarnings("restricted") // the whole point of this class; callers run with --enable-native-access
    private static MethodHandle fn(String name, FunctionDescriptor d, int firstVariadic) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
        Linker.Option capture = Linker.Option.captureCallState("errno");
        return firstVariadic < 0 ? LINKER.downcallHandle(sym, d, capture)
                : LINKER.downcallHandle(sym, d, capture, Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static int errno(MemorySegment st) {
        return (int) ERRNO.get(st, 0L);
    }

    private static MemorySegment state() {
        if (!Thread.currentThread().isVirtual()) return STATE.get();
        MemorySegment st = SPARE_STATES.poll();
        return st != null ? st : Arena.ofAuto().allocate(Linker.Option.captureStateLayout());
    }

    private static long check(long r, MemorySegment st) {
        long out = r < 0 ? -errno(st) : r;
        if (Thread.currentThread().isVirtual()) SPARE_STATES.offer(st);
        return out;
    }

    private static RuntimeException bug(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    public static MemorySegment cstr(Arena a, String s) {
        return a.allocateFrom(s);
    }

    public static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            return (int) check((int) OPEN.invokeExact(st, a.allocateFrom(path), flags, 0), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static long read(int fd, MemorySegment buf, long n) {
        try {
            MemorySegment st = state();
            return check((long) READ.invokeExact(st, fd, buf, n), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static long write(int fd, MemorySegment buf, long n) {
        try {
            MemorySegment st = state();
            return check((long) WRITE.invokeExact(st, fd, buf, n), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** readv into an array of {@code struct iovec} (16 bytes each) the caller filled. */
    public static long readv(int fd, MemorySegment iov, int count) {
        try {
            MemorySegment st = state();
            return check((long) READV.invokeExact(st, fd, iov, count), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** writev over an array of {@code struct iovec} (16 bytes each) the caller filled. */
    public static long writev(int fd, MemorySegment iov, int count) {
        try {
            MemorySegment st = state();
            return check((long) WRITEV.invokeExact(st, fd, iov, count), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int close(int fd) {
        try {
            MemorySegment st = state();
            return (int) check((int) CLOSE.invokeExact(st, fd), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment st = state();
            return (int) check((int) IOCTL.invokeExact(st, fd, request, arg), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** Clears or sets FD_CLOEXEC. */
    public static int setCloseOnExec(int fd, boolean on) {
        try {
            MemorySegment st = state();
            return (int) check((int) FCNTL.invokeExact(st, fd, F_SETFD, on ? 1 : 0), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int mount(String source, String target, String type, long flags, String data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            return (int) check((int) MOUNT.invokeExact(st, a.allocateFrom(source), a.allocateFrom(target),
                    a.allocateFrom(type), flags, a.allocateFrom(data)), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int umount2(String target, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            return (int) check((int) UMOUNT2.invokeExact(st, a.allocateFrom(target), flags), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** poll over {@code struct pollfd[count]} (8 bytes each) the caller filled. */
    public static int poll(MemorySegment fds, int count, int timeoutMs) {
        try {
            MemorySegment st = state();
            return (int) check((int) POLL.invokeExact(st, fds, (long) count, timeoutMs), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int eventfd(int initial, int flags) {
        try {
            MemorySegment st = state();
            return (int) check((int) EVENTFD.invokeExact(st, initial, flags), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int socket(int domain, int type, int protocol) {
        try {
            MemorySegment st = state();
            return (int) check((int) SOCKET.invokeExact(st, domain, type, protocol), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** Returns the two connected fds, or throws with the errno. */
    public static int[] socketpair(int type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment sv = a.allocate(JAVA_INT, 2);
            int r = (int) SOCKETPAIR.invokeExact(st, AF_UNIX, type, 0, sv);
            if (r < 0) throw new IllegalStateException("socketpair failed: errno " + errno(st));
            return new int[] {sv.getAtIndex(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) { throw bug(t); }
    }

    public static int bind(int fd, MemorySegment addr, int len) {
        try {
            MemorySegment st = state();
            return (int) check((int) BIND.invokeExact(st, fd, addr, len), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int listen(int fd, int backlog) {
        try {
            MemorySegment st = state();
            return (int) check((int) LISTEN.invokeExact(st, fd, backlog), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int accept(int fd) {
        try {
            MemorySegment st = state();
            return (int) check((int) ACCEPT.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /** shutdown(fd, SHUT_RDWR): wakes a thread blocked in accept or read on this socket. */
    public static int shutdown(int fd) {
        try {
            MemorySegment st = state();
            return (int) check((int) SHUTDOWN.invokeExact(st, fd, 2), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int connect(int fd, MemorySegment addr, int len) {
        try {
            MemorySegment st = state();
            return (int) check((int) CONNECT.invokeExact(st, fd, addr, len), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            MemorySegment st = state();
            return check((long) SENDMSG.invokeExact(st, fd, msghdr, flags), st);
        } catch (Throwable t) { throw bug(t); }
    }

    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            MemorySegment st = state();
            return check((long) RECVMSG.invokeExact(st, fd, msghdr, flags), st);
        } catch (Throwable t) { throw bug(t); }
    }

    /**
     * Starts {@code argv[0]} (searched on PATH) with the given environment; every fd without
     * FD_CLOEXEC is inherited. Returns the pid or {@code -errno}.
     */
    public static int spawn(String[] argv, String[] env) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment pid = a.allocate(JAVA_INT);
            MemorySegment av = strings(a, argv), ev = strings(a, env);
            int r = (int) SPAWNP.invokeExact(st, pid, a.allocateFrom(argv[0]), MemorySegment.NULL,
                    MemorySegment.NULL, av, ev);
            return r != 0 ? -r : pid.get(JAVA_INT, 0);
        } catch (Throwable t) { throw bug(t); }
    }

    private static MemorySegment strings(Arena a, String[] s) {
        MemorySegment arr = a.allocate(ADDRESS, s.length + 1);
        for (int i = 0; i < s.length; i++) arr.setAtIndex(ADDRESS, i, a.allocateFrom(s[i]));
        arr.setAtIndex(ADDRESS, s.length, MemorySegment.NULL);
        return arr;
    }

    /** Waits for a child and returns its raw wait status, or {@code -errno}. */
    public static int waitpid(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment status = a.allocate(JAVA_INT);
            int r;
            do {
                r = (int) WAITPID.invokeExact(st, pid, status, 0);
            } while (r < 0 && errno(st) == EINTR);
            return r < 0 ? -errno(st) : status.get(JAVA_INT, 0);
        } catch (Throwable t) { throw bug(t); }
    }

    public static int getuid() {
        try { return (int) GETUID.invokeExact(state()); } catch (Throwable t) { throw bug(t); }
    }

    public static int getgid() {
        try { return (int) GETGID.invokeExact(state()); } catch (Throwable t) { throw bug(t); }
    }

    public static int geteuid() {
        try { return (int) GETEUID.invokeExact(state()); } catch (Throwable t) { throw bug(t); }
    }

    /** Human text for an errno, for one-line error messages. */
    public static String describe(int errno) {
        io.tarn.api.Errno e = io.tarn.api.Errno.of(errno);
        return e.code == errno ? e.name() + " (" + errno + ")" : "errno " + errno;
    }
}
