package io.tarn.fuse;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.fuse.proto.Opcode;
import io.tarn.fuse.proto.Proto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.tarn.fuse.FakeKernel.args;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The codec and dispatcher against a fake kernel: replies, sizing rules, malformed input, deferred replies. */
@Timeout(20)
class DispatcherTest {
    static final Attr FILE = new Attr(7, Attr.S_IFREG | 0644, 1, 1000, 1000, 0, 12345, 1_000_000_001L, 2_000_000_002L, 3_000_000_003L);

    final AtomicReference<io.tarn.api.Caller> lastCaller = new AtomicReference<>();
    final AtomicReference<Runnable> interrupted = new AtomicReference<>();

    final FuseFilesystem fs = new FuseFilesystem() {
        @Override
        public Entry lookup(Request r, long parent, String name) {
            if (name.equals("boom")) throw new IllegalStateException("bug");
            if (name.equals("n".repeat(200))) throw new FsException(Errno.ENOTDIR, null);
            if (name.equals("late")) {
                r.defer();
                throw new FsException(Errno.EACCES, null);
            }
            if (!name.equals("f")) throw new FsException(Errno.ENOENT, null);
            return Entry.of(FILE);
        }

        @Override
        public Attributes getattr(Request r, long ino, long fh) {
            return Attributes.of(FILE);
        }

        @Override
        public Entry mkdir(Request r, long parent, String name, int mode, int umask) {
            lastCaller.set(r.caller());
            return Entry.of(new Attr(8, Attr.S_IFDIR | mode, 2, r.uid(), r.gid(), 0, 4096, 0, 0, 0));
        }

        @Override
        public byte[] getxattr(Request r, long ino, String name) {
            return "value-16-bytes!!".getBytes();
        }

        @Override
        public List<String> listxattr(Request r, long ino) {
            return List.of("user.a", "user.bb");
        }

        @Override
        public void readdir(Request r, long ino, long fh, long offset, DirSink sink) {
            for (long i = offset; i < 100; i++) {
                if (!sink.add("name" + i, 100 + i, Attr.S_IFREG, i + 1)) return;
            }
        }

        @Override
        public Data read(Request r, long ino, long fh, long offset, int size) {
            Deferred<Data> d = r.defer();
            if (offset == 666) {
                r.onInterrupt(() -> d.fail(Errno.EINTR));
                interrupted.set(() -> { });
                return null;
            }
            CompletableFuture.runAsync(() -> {
                MemorySegment m = MemorySegment.ofArray(new byte[size]).fill((byte) 'x');
                d.complete(new Data(java.lang.foreign.Arena.ofAuto().allocate(size).copyFrom(m)));
            });
            return null;
        }

        @Override
        public int write(Request r, long ino, long fh, long offset, MemorySegment data, int flags) {
            written.add(HexFormat.of().formatHex(data.toArray(ValueLayout.JAVA_BYTE)));
            if (offset == TAKE) {
                assertNull(r.takeData(java.lang.foreign.Arena.ofAuto().allocate(4096)), "a replacement of the wrong size is refused");
                MemorySegment got = r.takeData(java.lang.foreign.Arena.ofAuto().allocate(1 << 20, 4096));
                assertEquals(1 << 20, got.byteSize());
                assertEquals(data.address(), got.address(), "the data is not copied");
                assertNull(r.takeData(java.lang.foreign.Arena.ofAuto().allocate(1 << 20)), "taken once");
                taken.set(got);
            }
            return (int) data.byteSize();
        }
    };
    static final long TAKE = 1 << 20;
    final List<String> written = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicReference<MemorySegment> taken = new AtomicReference<>();

    FakeKernel k;

    @BeforeEach
    void start() throws Exception {
        k = new FakeKernel(fs);
    }

    @AfterEach
    void stop() {
        k.close();
    }

    @Test
    void initNegotiatesOneMebibyteRequestsAndOnlyOfferedFlags() {
        var r = k.call(Opcode.INIT, 0, args(7, 45, 131072, 0x73fffffb, 0x000005fd, new byte[44]));
        assertEquals(0, r.error());
        assertEquals(16 + 64, r.len());
        var b = r.body();
        assertEquals(7, b.getInt(16));
        assertEquals(Proto.KERNEL_MINOR, b.getInt(20));
        long flags = Integer.toUnsignedLong(b.getInt(28)) | Integer.toUnsignedLong(b.getInt(48)) << 32;
        assertEquals(1 << 20, b.getInt(36), "max_write");
        assertEquals(256, b.getShort(44), "max_pages");
        assertEquals(131072, b.getInt(24), "max_readahead");
        for (long f : new long[] {Proto.ASYNC_READ, Proto.PARALLEL_DIROPS, Proto.MAX_PAGES, Proto.BIG_WRITES,
                Proto.INIT_EXT, Proto.HAS_RESEND, Proto.CREATE_SUPP_GROUP}) {
            assertTrue((flags & f) != 0, "flag " + Long.toHexString(f));
        }
        assertEquals(0, flags & Proto.WRITEBACK_CACHE);
        assertEquals(1 << 20, k.session.connection().maxWrite());
    }

    @Test
    void unknownOpcodeGetsEnosysAndUnimplementedOperationToo() {
        var r = k.call(99, 1, new byte[0]);
        assertEquals(-Errno.ENOSYS.code, r.error());
        assertEquals(16, r.len());
        assertEquals(-Errno.ENOSYS.code, k.call(Opcode.SYMLINK, 1, args("a", "b")).error());
    }

    @Test
    void malformedRequestsAreAnsweredEioAndTheSessionGoesOn() {
        // A name without its terminating NUL.
        assertEquals(-Errno.EIO.code, k.call(Opcode.LOOKUP, 1, "abc".getBytes()).error());
        // Arguments shorter than the opcode's struct.
        assertEquals(-Errno.EIO.code, k.call(Opcode.GETATTR, 1, new byte[3]).error());
        // A WRITE claiming more bytes than it carries.
        assertEquals(-Errno.EIO.code, k.call(Opcode.WRITE, 7, args(1L, 0L, 4096, 0, 0L, 0, 0, "short".getBytes())).error());
        // A header whose length disagrees with what was read.
        long u = k.nextUnique();
        var msg = FakeKernel.request(Opcode.GETATTR, u, 1, new byte[16], 0);
        msg.putInt(0, 500);
        k.send(msg);
        var r = k.reply();
        assertEquals(u, r.unique());
        assertEquals(-Errno.EIO.code, r.error());
        // Still serving.
        var ok = k.call(Opcode.GETATTR, 7, args(0, 0, 0L));
        assertEquals(0, ok.error());
        assertEquals(7, ok.body().getLong(16 + 16), "attr.ino");
    }

    @Test
    void writeDataCanBeTakenWithoutACopyAndLaterRequestsStayIntact() {
        byte[] first = new byte[4000], second = new byte[4000];
        new java.util.Random(1).nextBytes(first);
        new java.util.Random(2).nextBytes(second);
        assertEquals(4000, k.call(Opcode.WRITE, 7, args(1L, TAKE, 4000, 0, 0L, 0, 0, first)).body().getInt());
        assertEquals(4000, k.call(Opcode.WRITE, 7, args(1L, 0L, 4000, 0, 0L, 0, 0, second)).body().getInt());
        // A request longer than header + write_in is made contiguous from the landing buffer.
        String longName = "n".repeat(200);
        assertEquals(-Errno.ENOTDIR.code, k.call(Opcode.LOOKUP, 1, args(longName)).error(), "the whole name arrived");
        assertEquals(0, k.call(Opcode.LOOKUP, 1, args("f")).error());
        assertEquals(List.of(HexFormat.of().formatHex(first), HexFormat.of().formatHex(second)), written);
        assertArrayEquals(first, taken.get().asSlice(0, 4000).toArray(ValueLayout.JAVA_BYTE), "taken data untouched by later requests");
    }

    @Test
    void entryAndErrorsAreEncoded() {
        var r = k.call(Opcode.LOOKUP, 1, args("f"));
        assertEquals(0, r.error());
        assertEquals(16 + 128, r.len());
        var b = r.body();
        assertEquals(7, b.getLong(16));
        assertEquals(1, b.getLong(32), "entry_valid default 1 s");
        assertEquals(12345, b.getLong(16 + 40 + 8), "size");
        assertEquals(2, b.getLong(16 + 40 + 32), "mtime seconds");
        assertEquals(2, b.getInt(16 + 40 + 52), "mtime nanos");
        assertEquals(-Errno.ENOENT.code, k.call(Opcode.LOOKUP, 1, args("nope")).error());
        assertEquals(-Errno.EIO.code, k.call(Opcode.LOOKUP, 1, args("boom")).error());
        assertEquals(-Errno.EACCES.code, k.call(Opcode.LOOKUP, 1, args("late")).error(), "thrown after defer()");
    }

    @Test
    void xattrSizingIsHandledByTheTransport() {
        var probe = k.call(Opcode.GETXATTR, 7, args(0, 0, "user.x"));
        assertEquals(16 + 8, probe.len());
        assertEquals(16, probe.body().getInt(16));
        assertEquals(-Errno.ERANGE.code, k.call(Opcode.GETXATTR, 7, args(4, 0, "user.x")).error());
        var full = k.call(Opcode.GETXATTR, 7, args(64, 0, "user.x"));
        assertEquals(16 + 16, full.len());
        var list = k.call(Opcode.LISTXATTR, 7, args(64, 0));
        byte[] names = new byte[list.len() - 16];
        list.body().get(16, names);
        assertArrayEquals("user.a\0user.bb\0".getBytes(), names);
    }

    @Test
    void readdirFillsUpToTheKernelsSizeAndCarriesOffsets() {
        var r = k.call(Opcode.READDIR, 1, args(0L, 10L, 100, 0, 0L, 0, 0));
        // Each record: 24 + "nameNN".length (6) padded to 32; 100 bytes hold three.
        assertEquals(16 + 96, r.len());
        var b = r.body();
        assertEquals(110, b.getLong(16), "first ino");
        assertEquals(11, b.getLong(24), "next offset");
        assertEquals(6, b.getInt(32));
        assertEquals(Attr.S_IFREG >> 12, b.getInt(36));
    }

    @Test
    void supplementaryGroupsReachTheFilesystem() {
        long u = k.nextUnique();
        byte[] ext = args(24, Proto.EXT_GROUPS, 2, 27, 100, 0); // header, nr_groups, groups, padding to 8
        byte[] body = args(0755, 022, "dir", new byte[4], ext);
        k.send(FakeKernel.request(Opcode.MKDIR, u, 1, body, ext.length));
        var r = k.reply();
        assertEquals(0, r.error());
        assertArrayEquals(new int[] {27, 100}, lastCaller.get().groups());
        assertEquals(4242, lastCaller.get().pid());
    }

    @Test
    void deferredReplyComesFromAnotherThreadAndInterruptsReachTheRequest() {
        var r = k.call(Opcode.READ, 7, args(1L, 0L, 4096, 0, 0L, 0, 0));
        assertEquals(0, r.error());
        assertEquals(16 + 4096, r.len());
        assertEquals('x', r.body().get(16 + 4095));

        long u = k.nextUnique();
        k.send(FakeKernel.request(Opcode.READ, u, 7, args(1L, 666L, 4096, 0, 0L, 0, 0), 0));
        k.send(FakeKernel.request(Opcode.INTERRUPT, k.nextUnique(), 0, args(u), 0));
        var intr = k.reply();
        assertEquals(u, intr.unique());
        assertEquals(-Errno.EINTR.code, intr.error());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (k.session.inflight() != 0 && System.nanoTime() < deadline) LockSupport.parkNanos(100_000);
        assertEquals(0, k.session.inflight(), "requests still counted in flight after their replies");
    }
}
