package io.tarn.fuse;

import io.tarn.api.Errno;
import io.tarn.fuse.proto.Opcode;
import io.tarn.fuse.proto.Proto;
import io.tarn.fuse.sys.Libc;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Turns a filesystem's result into the reply bytes for its opcode and writes them to the request's
 * queue: one write(2), or one writev(2) for READ data. Here, and only here, errors become -errno.
 */
final class Replier {
    private static final System.Logger LOG = System.getLogger(Replier.class.getName());
    private final FuseSession session;

    Replier(FuseSession session) {
        this.session = session;
    }

    void logUnexpected(Request r, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, "unexpected failure in " + r + ": answering EIO", t);
    }

    private Outbox boxFor(Request r, Outbox given, int payload) {
        if (r.box != null && r.box.capacity() >= payload) return r.box;
        if (given != null && given.capacity() >= payload) return given;
        return Outbox.borrow(payload);
    }

    void error(Request r, int errno, Outbox given) {
        Outbox b = boxFor(r, given, 0);
        try {
            send(r, b.buf, Proto.OUT_HEADER, -errno);
        } finally {
            Outbox.giveBack(b);
        }
        session.finished(r);
    }

    /** Encodes and sends {@code result}; an encoding problem (a bug in the filesystem's result) answers EIO. */
    void reply(Request r, Object result, Outbox given) {
        Outbox b = null;
        try {
            if (r.opcode == Opcode.READ) {
                b = boxFor(r, given, copiedBytes((Data) result));
                sendData(r, (Data) result, b);
            } else {
                b = boxFor(r, given, payloadSize(r, result));
                int n = encode(r, result, b.buf);
                if (n < 0) {
                    send(r, b.buf, Proto.OUT_HEADER, n);
                } else {
                    send(r, b.buf, Proto.OUT_HEADER + n, 0);
                }
            }
        } catch (RuntimeException e) {
            logUnexpected(r, e);
            send(r, Outbox.local(0).buf, Proto.OUT_HEADER, -Errno.EIO.code);
        } finally {
            if (b != null) Outbox.giveBack(b);
        }
        session.finished(r);
    }

    private static int payloadSize(Request r, Object result) {
        return switch (result) {
            case byte[] b -> b.length + 8;
            case List<?> l -> 16 + l.stream().mapToInt(x -> x.toString().length() * 4 + 1).sum();
            case String s -> s.length() * 4;
            case IoctlResult io -> 16 + (io.out() == null ? 0 : io.out().length);
            case null, default -> 256;
        };
    }

    /** Writes the payload at offset 16 of {@code s}; returns its length, or -errno to answer an error instead. */
    private int encode(Request r, Object result, MemorySegment s) {
        final int p = Proto.OUT_HEADER;
        long de = session.config.entryTimeoutNanos(), da = session.config.attrTimeoutNanos();
        switch (r.opcode) {
            case Opcode.LOOKUP, Opcode.MKNOD, Opcode.MKDIR, Opcode.SYMLINK, Opcode.LINK -> {
                Entry e = (Entry) result;
                if (e == null) throw new IllegalStateException("null entry");
                if (e.attr() == null && r.opcode != Opcode.LOOKUP) throw new IllegalStateException("negative entry for " + r);
                Wire.entry(s, p, e, de, da);
                return Proto.ENTRY_OUT;
            }
            case Opcode.INIT -> {
                Connection c = (Connection) result;
                s.asSlice(p, Proto.INIT_OUT).fill((byte) 0);
                Wire.i32(s, p, c.major());
                Wire.i32(s, p + 4, c.minor());
                Wire.i32(s, p + 8, c.maxReadahead());
                Wire.i32(s, p + 12, (int) c.flags());
                Wire.i16(s, p + 16, c.maxBackground());
                Wire.i16(s, p + 18, c.congestionThreshold());
                Wire.i32(s, p + 20, c.maxWrite());
                Wire.i32(s, p + 24, c.timeGran());
                Wire.i16(s, p + 28, c.maxPages());
                Wire.i32(s, p + 32, (int) (c.flags() >>> 32));
                return Proto.INIT_OUT;
            }
            case Opcode.GETATTR, Opcode.SETATTR -> {
                Wire.attrOut(s, p, (Attributes) result, da);
                return Proto.ATTR_OUT;
            }
            case Opcode.OPEN, Opcode.OPENDIR -> {
                Wire.openOut(s, p, (Opened) result);
                return Proto.OPEN_OUT;
            }
            case Opcode.CREATE -> {
                Created c = (Created) result;
                Wire.entry(s, p, c.entry(), de, da);
                Wire.openOut(s, p + Proto.ENTRY_OUT, c.opened());
                return Proto.ENTRY_OUT + Proto.OPEN_OUT;
            }
            case Opcode.READLINK -> {
                byte[] b = ((String) result).getBytes(StandardCharsets.UTF_8);
                Wire.bytes(s, p, b);
                return b.length;
            }
            case Opcode.WRITE -> {
                Wire.i32(s, p, (Integer) result);
                Wire.i32(s, p + 4, 0);
                return Proto.WRITE_OUT;
            }
            case Opcode.COPY_FILE_RANGE -> {
                Wire.i32(s, p, (int) Math.min(0xFFFF_FFFFL, (Long) result));
                Wire.i32(s, p + 4, 0);
                return Proto.WRITE_OUT;
            }
            case Opcode.STATFS -> {
                Wire.statfs(s, p, (FsStats) result);
                return Proto.STATFS_OUT;
            }
            case Opcode.GETXATTR -> {
                return sized(r, (byte[]) result, s);
            }
            case Opcode.LISTXATTR -> {
                StringBuilder sb = new StringBuilder();
                for (Object n : (List<?>) result) sb.append(n).append('\0');
                return sized(r, sb.toString().getBytes(StandardCharsets.UTF_8), s);
            }
            case Opcode.READDIR, Opcode.READDIRPLUS -> {
                DirBuffer d = r.dir;
                MemorySegment src = r.box != null ? r.box.buf : null;
                if (src != null && src != s) MemorySegment.copy(src, p, s, p, d.used());
                return d.used();
            }
            case Opcode.GETLK -> {
                Wire.lock(s, p, (FileLock) result);
                return 24;
            }
            case Opcode.LSEEK -> {
                Wire.i64(s, p, (Long) result);
                return 8;
            }
            case Opcode.IOCTL -> {
                IoctlResult io = (IoctlResult) result;
                byte[] out = io.out() == null ? new byte[0] : io.out();
                if (out.length > r.sizeArg) return -Errno.EINVAL.code;
                Wire.i32(s, p, io.result());
                Wire.i32(s, p + 4, 0);
                Wire.i32(s, p + 8, 0);
                Wire.i32(s, p + 12, 0);
                Wire.bytes(s, p + 16, out);
                return 16 + out.length;
            }
            default -> {
                return 0; // operations whose success carries no payload
            }
        }
    }

    private static int sized(Request r, byte[] value, MemorySegment s) {
        if (r.sizeArg == 0) {
            Wire.i32(s, Proto.OUT_HEADER, value.length);
            Wire.i32(s, Proto.OUT_HEADER + 4, 0);
            return 8;
        }
        if (value.length > r.sizeArg) return -Errno.ERANGE.code;
        Wire.bytes(s, Proto.OUT_HEADER, value);
        return value.length;
    }

    /** How much of a read reply must be copied into the reply buffer (none when it can be gathered from native memory). */
    private static int copiedBytes(Data data) {
        MemorySegment[] parts = data == null ? new MemorySegment[0] : data.parts();
        long total = 0;
        boolean direct = parts.length <= Outbox.IOV_MAX;
        for (MemorySegment m : parts) {
            total += m.byteSize();
            direct &= m.isNative();
        }
        return direct ? 0 : (int) Math.min(Integer.MAX_VALUE - 4096, total);
    }

    private void sendData(Request r, Data data, Outbox b) {
        MemorySegment[] parts = data == null ? new MemorySegment[0] : data.parts();
        long total = 0;
        boolean direct = parts.length <= Outbox.IOV_MAX;
        for (MemorySegment m : parts) {
            total += m.byteSize();
            direct &= m.isNative();
        }
        if (total > b.capacity() && !direct) throw new IllegalStateException("read reply larger than buffer");
        if (!direct) {
            long at = Proto.OUT_HEADER;
            for (MemorySegment m : parts) {
                if (m.byteSize() == 0) continue;
                if (b.buf.address() + at != m.address() || !m.isNative()) MemorySegment.copy(m, 0, b.buf, at, m.byteSize());
                at += m.byteSize();
            }
            send(r, b.buf, (int) at, 0);
            return;
        }
        Wire.outHeader(b.buf, 0, (int) (Proto.OUT_HEADER + total), 0, r.unique);
        MemorySegment iov = b.iov;
        iov.set(ADDRESS, 0, b.buf);
        iov.set(JAVA_LONG, 8, Proto.OUT_HEADER);
        int n = 1;
        for (MemorySegment m : parts) {
            if (m.byteSize() == 0) continue;
            iov.set(ADDRESS, 16L * n, m);
            iov.set(JAVA_LONG, 16L * n + 8, m.byteSize());
            n++;
        }
        if (r.queue.closed) return;
        long w = Libc.writev(r.queue.fd, iov, n);
        if (w < 0) writeFailed(r, (int) -w);
    }

    private void send(Request r, MemorySegment buf, int len, int error) {
        Wire.outHeader(buf, 0, len, error, r.unique);
        if (r.queue.closed) return;
        long w = Libc.write(r.queue.fd, buf, len);
        if (w < 0) writeFailed(r, (int) -w);
    }

    private void writeFailed(Request r, int errno) {
        // ENOENT: the kernel gave up on the request (interrupted or aborted); nothing to do.
        if (errno != Libc.ENOENT && errno != Libc.ENODEV) {
            LOG.log(System.Logger.Level.WARNING, "reply to {0} rejected by the kernel: {1}", r, Libc.describe(errno));
        }
    }
}
