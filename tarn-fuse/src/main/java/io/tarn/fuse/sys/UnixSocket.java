package io.tarn.fuse.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * AF_UNIX stream sockets through FFM, because the JDK's channels cannot pass file descriptors:
 * here a message can carry one fd as SCM_RIGHTS ancillary data (x86_64 layouts: msghdr 56 bytes,
 * cmsghdr 16 bytes + the int, CMSG_SPACE(4) = 24).
 */
public final class UnixSocket implements AutoCloseable {
    private static final int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    private final int fd;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    public static UnixSocket ofFd(int fd) {
        return new UnixSocket(fd);
    }

    public int fd() {
        return fd;
    }

    /** Binds and listens at {@code path} (an existing socket file there is replaced). */
    public static UnixSocket listen(Path path) throws IOException {
        java.nio.file.Files.deleteIfExists(path);
        int s = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (s < 0) throw new IOException("socket: " + Libc.describe(-s));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = address(a, path);
            int r = Libc.bind(s, addr, (int) addr.byteSize());
            if (r == 0) r = Libc.listen(s, 4);
            if (r < 0) {
                Libc.close(s);
                throw new IOException("cannot listen on " + path + ": " + Libc.describe(-r));
            }
        }
        return new UnixSocket(s);
    }

    public static UnixSocket connect(Path path) throws IOException {
        int s = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (s < 0) throw new IOException("socket: " + Libc.describe(-s));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = address(a, path);
            int r = Libc.connect(s, addr, (int) addr.byteSize());
            if (r < 0) {
                Libc.close(s);
                throw new IOException("cannot connect to " + path + ": " + Libc.describe(-r));
            }
        }
        return new UnixSocket(s);
    }

    /** Blocks until a peer connects; throws once this socket is closed or shut down. */
    public UnixSocket accept() throws IOException {
        int c = Libc.accept(fd);
        if (c < 0) throw new IOException("accept: " + Libc.describe(-c));
        return new UnixSocket(c);
    }

    private static MemorySegment address(Arena a, Path path) throws IOException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > 107) throw new IOException("socket path too long: " + path);
        MemorySegment addr = a.allocate(2 + p.length + 1);
        addr.set(JAVA_SHORT, 0, (short) Libc.AF_UNIX);
        MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
        return addr;
    }

    /** Sends {@code data}, attaching {@code passFd} (if >= 0) to its first byte. */
    public void send(byte[] data, int passFd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
            long off = 0;
            boolean first = true;
            while (off < data.length) {
                MemorySegment iov = a.allocate(16, 8);
                iov.set(ADDRESS, 0, buf.asSlice(off));
                iov.set(JAVA_LONG, 8, data.length - off);
                MemorySegment msg = a.allocate(56, 8);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                if (first && passFd >= 0) {
                    MemorySegment cmsg = a.allocate(24, 8);
                    cmsg.set(JAVA_LONG, 0, 20);
                    cmsg.set(JAVA_INT, 8, SOL_SOCKET);
                    cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
                    cmsg.set(JAVA_INT, 16, passFd);
                    msg.set(ADDRESS, 32, cmsg);
                    msg.set(JAVA_LONG, 40, 24);
                }
                long n = Libc.sendmsg(fd, msg, 0x4000 /* MSG_NOSIGNAL */);
                if (n == -Libc.EINTR) continue;
                if (n < 0) throw new IOException("sendmsg: " + Libc.describe((int) -n));
                off += n;
                first = false;
            }
        }
    }

    /** A message received: its bytes and the fd that came with it, or -1. */
    public record Received(byte[] data, int fd) {}

    /** Reads exactly {@code length} bytes, collecting a passed fd if one arrives; EOF first is an error. */
    public Received receive(int length) throws IOException {
        int got = -1;
        byte[] out = new byte[length];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, length));
            long off = 0;
            while (off < length) {
                MemorySegment iov = a.allocate(16, 8);
                iov.set(ADDRESS, 0, buf.asSlice(off));
                iov.set(JAVA_LONG, 8, length - off);
                MemorySegment cmsg = a.allocate(24, 8);
                MemorySegment msg = a.allocate(56, 8);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                msg.set(ADDRESS, 32, cmsg);
                msg.set(JAVA_LONG, 40, 24);
                long n = Libc.recvmsg(fd, msg, MSG_CMSG_CLOEXEC);
                if (n == -Libc.EINTR) continue;
                if (n < 0) throw new IOException("recvmsg: " + Libc.describe((int) -n));
                if (n == 0) throw new IOException("peer closed the socket after " + off + " of " + length + " bytes");
                if (msg.get(JAVA_LONG, 40) >= 20 && cmsg.get(JAVA_INT, 8) == SOL_SOCKET
                        && cmsg.get(JAVA_INT, 12) == SCM_RIGHTS) {
                    got = cmsg.get(JAVA_INT, 16);
                }
                off += n;
            }
            MemorySegment.copy(buf, JAVA_BYTE, 0, out, 0, length);
        }
        return new Received(out, got);
    }

    /** Wakes any thread blocked in accept or receive on this socket. */
    public void shutdown() {
        Libc.shutdown(fd);
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
