package io.tarn.fuse;

import io.tarn.fuse.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Plays the kernel's side of a session over a SOCK_SEQPACKET socketpair: message boundaries are
 * kept as on /dev/fuse, so the real worker loop, dispatcher and replier run unchanged.
 */
final class FakeKernel implements AutoCloseable {
    final FuseSession session;
    private final int kernelFd;
    private final MemorySegment buf = Arena.ofAuto().allocate(2 << 20);
    private long unique = 100;

    FakeKernel(FuseFilesystem fs) throws Exception {
        int[] pair = Libc.socketpair(Libc.SOCK_SEQPACKET);
        kernelFd = pair[0];
        FuseConfig cfg = FuseConfig.builder().workers(1).cloneQueues(false).build();
        session = new FuseSession(Path.of("/nonexistent-fake-mount"), pair[1], -1, fs, cfg, null, false);
        session.start();
    }

    long nextUnique() {
        return ++unique;
    }

    /** A request: header for {@code opcode} on {@code node}, then {@code args}. */
    static ByteBuffer request(int opcode, long unique, long node, byte[] args, int extBytes) {
        ByteBuffer b = ByteBuffer.allocate(40 + args.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(40 + args.length).putInt(opcode).putLong(unique).putLong(node).putInt(1000).putInt(1000).putInt(4242)
                .putShort((short) (extBytes / 8)).putShort((short) 0).put(args);
        return b.flip();
    }

    static byte[] args(Object... parts) {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        for (Object p : parts) {
            switch (p) {
                case Integer i -> b.putInt(i);
                case Long l -> b.putLong(l);
                case String s -> b.put(s.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
                case byte[] raw -> b.put(raw);
                default -> throw new IllegalArgumentException(p.toString());
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    void send(ByteBuffer msg) {
        byte[] b = new byte[msg.remaining()];
        msg.get(b);
        MemorySegment.copy(b, 0, buf, JAVA_BYTE, 0, b.length);
        long n = Libc.write(kernelFd, buf, b.length);
        if (n != b.length) throw new IllegalStateException("write " + n);
    }

    /** Sends and returns the reply (little endian, positioned after the 16-byte header). */
    Reply call(int opcode, long node, byte[] args) {
        long u = nextUnique();
        send(request(opcode, u, node, args, 0));
        return reply();
    }

    Reply reply() {
        long n = Libc.read(kernelFd, buf, buf.byteSize());
        if (n < 16) throw new IllegalStateException("short reply " + n);
        ByteBuffer b = ByteBuffer.wrap(buf.asSlice(0, n).toArray(JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
        return new Reply(b.getInt(0), b.getInt(4), b.getLong(8), b.position(16));
    }

    record Reply(int len, int error, long unique, ByteBuffer body) {}

    @Override
    public void close() {
        Libc.close(kernelFd);
    }
}
