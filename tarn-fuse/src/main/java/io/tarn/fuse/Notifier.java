package io.tarn.fuse;

import io.tarn.fuse.proto.Proto;
import io.tarn.fuse.sys.Libc;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Messages we send to the kernel unasked, so the layer above can keep several clients coherent:
 * drop cached data or attributes of a node, drop a cached name, announce a deletion, or push data
 * into the page cache. Each returns 0 or -errno (-ENOENT: the kernel did not know the node or name,
 * which is fine). Do not invalidate an entry from inside a request on the same directory: the
 * kernel may hold that directory's lock while it waits for the reply; use another thread.
 */
public final class Notifier {
    private final FuseSession session;
    private final int fd;

    Notifier(FuseSession session, int fd) {
        this.session = session;
        this.fd = fd;
    }

    /** Drops cached attributes, and cached data in [offset, offset+length) (length 0 = to the end; offset -1 = attributes only). */
    public int invalidateInode(long ino, long offset, long length) {
        Outbox b = Outbox.local(24);
        Wire.i64(b.buf, 16, ino);
        Wire.i64(b.buf, 24, offset);
        Wire.i64(b.buf, 32, length);
        return send(b.buf, 40, Proto.NOTIFY_INVAL_INODE);
    }

    /** Drops the cached name {@code name} in {@code parent} (and the kernel's negative entry for it). */
    public int invalidateEntry(long parent, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        Outbox b = Outbox.local(16 + n.length + 1);
        Wire.i64(b.buf, 16, parent);
        Wire.i32(b.buf, 24, n.length);
        Wire.i32(b.buf, 28, 0);
        Wire.bytes(b.buf, 32, n);
        b.buf.set(JAVA_BYTE, 32 + n.length, (byte) 0);
        return send(b.buf, 32 + n.length + 1, Proto.NOTIFY_INVAL_ENTRY);
    }

    /** Tells the kernel {@code name} in {@code parent}, naming {@code child}, was deleted (by another client). */
    public int delete(long parent, long child, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        Outbox b = Outbox.local(24 + n.length + 1);
        Wire.i64(b.buf, 16, parent);
        Wire.i64(b.buf, 24, child);
        Wire.i32(b.buf, 32, n.length);
        Wire.i32(b.buf, 36, 0);
        Wire.bytes(b.buf, 40, n);
        b.buf.set(JAVA_BYTE, 40 + n.length, (byte) 0);
        return send(b.buf, 40 + n.length + 1, Proto.NOTIFY_DELETE);
    }

    /** Stores {@code data} in the kernel's page cache of {@code ino} at {@code offset} (extending its size if needed). */
    public int store(long ino, long offset, MemorySegment data) {
        Outbox b = Outbox.local((int) (24 + data.byteSize()));
        Wire.i64(b.buf, 16, ino);
        Wire.i64(b.buf, 24, offset);
        Wire.i32(b.buf, 32, (int) data.byteSize());
        Wire.i32(b.buf, 36, 0);
        MemorySegment.copy(data, 0, b.buf, 40, data.byteSize());
        return send(b.buf, (int) (40 + data.byteSize()), Proto.NOTIFY_STORE);
    }

    /** Asks the kernel to queue again every request read but not answered yet (kernel 6.9+; -EINVAL before). */
    public int resendPending() {
        Outbox b = Outbox.local(0);
        return send(b.buf, 16, Proto.NOTIFY_RESEND);
    }

    private int send(MemorySegment buf, int len, int code) {
        Wire.outHeader(buf, 0, len, code, 0);
        long r = Libc.write(session.devFd(), buf, len);
        return r < 0 ? (int) r : 0;
    }
}
