package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** Every MetaService method over the wire against a fake, plus errors, concurrency, deadlines and connect failures. */
@Timeout(60)
class RemoteMetaServiceTest {
    private FakeMetaService fake;
    private RpcServer server;
    private RemoteMetaService remote;
    private Ctx ctx;

    @BeforeEach
    void start() {
        fake = new FakeMetaService();
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", 0));
        remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults());
        remote.createVolume(new VolumeSpec("v1", "file:///tmp/x", VolumeSpec.DEFAULT_BLOCK_SIZE, "zstd", 60));
        SessionInfo s = remote.openSession("v1", "test");
        ctx = new Ctx(s.session(), 0, new Caller(1000, 100, new int[]{5, 6, 7}, 4242));
    }

    @AfterEach
    void stop() {
        remote.close();
        server.close();
    }

    @Test
    void everyMethodRoundTrips() {
        assertEquals(fake.listVolumes(), remote.listVolumes());
        assertEquals(fake.volume("v1"), remote.volume("v1"));
        Attr dir = remote.mkdir(ctx, 1, "dir", 0755);
        assertEquals(fake.getAttr(ctx, dir.ino()), dir);
        Attr file = remote.create(ctx, dir.ino(), "naïve 名前", 0644, 0);
        assertEquals(file, remote.lookup(ctx, dir.ino(), "naïve 名前"));
        assertEquals(file, remote.getAttr(ctx, file.ino()));
        assertEquals(file, remote.open(ctx, file.ino(), 0));
        remote.release(ctx, file.ino());
        Attr sized = remote.setAttr(ctx, file.ino(), new SetAttr(SetAttr.SIZE | SetAttr.MODE | SetAttr.MTIME, 0600, 0, 0, 12345, 7, 8, 9));
        assertEquals(12345, sized.size());
        assertEquals(Attr.S_IFREG | 0600, sized.mode());
        assertEquals(8, sized.mtimeNs());
        Attr node = remote.mknod(ctx, dir.ino(), "fifo", Attr.S_IFIFO | 0644, 0);
        assertEquals(Attr.S_IFIFO, node.type());
        Attr link = remote.symlink(ctx, dir.ino(), "ln", "../target/ü");
        assertEquals("../target/ü", remote.readlink(ctx, link.ino()));
        remote.rename(ctx, dir.ino(), "fifo", 1, "fifo2", 0);
        remote.unlink(ctx, 1, "fifo2");
        assertEquals(fake.readDir(ctx, dir.ino(), null, 1, true), remote.readDir(ctx, dir.ino(), null, 1, true));
        DirPage all = remote.readDir(ctx, dir.ino(), "ln", 100, false);
        assertEquals(fake.readDir(ctx, dir.ino(), "ln", 100, false), all);
        assertNull(all.entries().getFirst().attr());
        remote.access(ctx, file.ino(), MetaService.R_OK);
        assertEquals(fake.statFs(ctx), remote.statFs(ctx));
        long first = remote.reserveBlockIds(ctx, 10);
        List<BlockRef> blocks = List.of(new BlockRef(0, first, 4096, 2100, 0xdeadbeef), new BlockRef(3, first + 1, 10, 30, -1));
        Attr committed = remote.commitBlocks(ctx, file.ino(), blocks, 3 * 4096 * 1024L + 10, 99);
        assertEquals(99, committed.mtimeNs());
        assertEquals(blocks, remote.blocks(ctx, file.ino(), 0, 10));
        assertEquals(List.of(blocks.get(1)), remote.blocks(ctx, file.ino(), 1, 10));
        byte[] value = {0, 1, 2, (byte) 0xff};
        remote.setXattr(ctx, file.ino(), "user.a", value, MetaService.XATTR_CREATE);
        remote.setXattr(ctx, file.ino(), "user.empty", new byte[0], 0);
        assertArrayEquals(value, remote.getXattr(ctx, file.ino(), "user.a"));
        assertArrayEquals(new byte[0], remote.getXattr(ctx, file.ino(), "user.empty"));
        assertEquals(List.of("user.a", "user.empty"), remote.listXattr(ctx, file.ino()));
        remote.removeXattr(ctx, file.ino(), "user.a");
        remote.heartbeat(ctx.session());
        remote.rmdir(ctx, dir.ino(), "ln");
        remote.closeSession(ctx.session());
        remote.deleteVolume("v1");
        assertEquals(List.of(), remote.listVolumes());
    }

    @Test
    void errorsArriveAsTheSameErrnoAndMessage() {
        FsException e = assertThrows(FsException.class, () -> remote.lookup(ctx, 1, "missing"));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("ENOENT: missing", e.getMessage());
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> remote.getXattr(ctx, 1, "user.x")).errno());
        // the caller's credentials reach the server: the fake refuses W_OK to non-root callers
        assertEquals(Errno.EACCES, assertThrows(FsException.class, () -> remote.access(ctx, 1, MetaService.W_OK)).errno());
        remote.access(new Ctx(ctx.session(), 0, Caller.ROOT), 1, MetaService.W_OK);
        // VolumeSpec validation runs on the client before anything is sent; a bad name on the server is EINVAL too
        assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> remote.heartbeat(12345)).errno());
        assertEquals(Errno.EEXIST, assertThrows(FsException.class,
                () -> remote.createVolume(new VolumeSpec("v1", "file:///y", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0))).errno());
    }

    @Test
    void serverBugsBecomeEioNotDisconnects() {
        Errno errno = assertThrows(FsException.class, () -> remote.link(ctx, 1, 1, "x")).errno();
        assertEquals(Errno.ENOSYS, errno);
        // readlink of a node the fake gives no target: EINVAL travels, and the connection stays good
        Attr f = remote.create(ctx, 1, "f", 0644, 0);
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> remote.readlink(ctx, f.ino())).errno());
        assertEquals(f, remote.getAttr(ctx, f.ino()));
    }

    @Test
    void concurrentCallsShareOneConnection() throws Exception {
        int threads = 32, each = 200;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        Attr a = remote.create(ctx, 1, "t" + id + "-" + i, 0644, 0);
                        assertEquals(a, remote.getAttr(ctx, a.ino()));
                        assertEquals(a, remote.lookup(ctx, 1, "t" + id + "-" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertEquals(threads * each, remote.readDir(ctx, 1, null, 100000, false).entries().size());
        assertEquals(1, server.connectionCount());
    }

    @Test
    void manyClientsAtOnce() throws Exception {
        int clients = 16, threadsEach = 4, each = 50;
        List<RemoteMetaService> remotes = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) remotes.add(RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults()));
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                RemoteMetaService r = remotes.get(c);
                // one session per client, as RequestIds expects
                Ctx mine = new Ctx(r.openSession("v1", "client-" + c).session(), 0, ctx.caller());
                for (int t = 0; t < threadsEach; t++) {
                    String prefix = "c" + c + "t" + t + "-";
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) {
                            Attr a = r.create(mine, 1, prefix + i, 0644, 0);
                            assertEquals(a, r.lookup(mine, 1, prefix + i));
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) f.get();
            assertEquals(clients + 1, server.connectionCount());
        } finally {
            for (RemoteMetaService r : remotes) r.close();
        }
        assertEquals(clients * threadsEach * each, remote.readDir(ctx, 1, null, 100000, false).entries().size());
    }

    @Test
    void aSlowCallDoesNotHoldUpOthersOnTheSameConnection() throws Exception {
        fake.gate = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Attr> slow = pool.submit(() -> remote.create(ctx, 1, "slow", 0644, 0));
            for (int i = 0; i < 200; i++) assertEquals(1, remote.getAttr(ctx, 1).ino());
            Attr other = remote.create(ctx, 1, "fast", 0644, 0);
            assertFalse(slow.isDone(), "the slow create should still be waiting on the server");
            fake.gate.countDown();
            assertNotEquals(other.ino(), slow.get().ino());
        }
        assertEquals(1, server.connectionCount());
    }

    @Test
    void aCallPastItsDeadlineFailsAndTheConnectionStaysUsable() {
        try (RemoteMetaService quick = RemoteMetaService.connect("127.0.0.1:" + server.port(),
                RpcOptions.defaults().withCallTimeout(Duration.ofMillis(200)))) {
            fake.gate = new CountDownLatch(1);
            long t0 = System.nanoTime();
            FsException e = assertThrows(FsException.class, () -> quick.getAttr(ctx, 999));
            assertEquals(Errno.ETIMEDOUT, e.errno());
            assertTrue(e.getMessage().contains("getAttr"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
            fake.gate.countDown();
            assertEquals(1, quick.getAttr(ctx, 1).ino());
        }
    }

    @Test
    void unreachableServerFailsFastWithOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        FsException e = assertThrows(FsException.class, () -> RemoteMetaService.connect("127.0.0.1:" + port, RpcOptions.defaults()));
        assertEquals(Errno.ECONNREFUSED, e.errno());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> RemoteMetaService.connect("nohostport", RpcOptions.defaults())).errno());
        assertEquals(Errno.EHOSTUNREACH, assertThrows(FsException.class,
                () -> RemoteMetaService.connect("no-such-host.invalid:7000", RpcOptions.defaults())).errno());
    }

    @Test
    void stringsAndBytesSurviveEdgeCases() {
        Attr f = remote.create(ctx, 1, "", 0644, 0);
        assertEquals(f, remote.lookup(ctx, 1, ""));
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) i;
        remote.setXattr(ctx, f.ino(), "user.big", big, 0);
        assertArrayEquals(big, remote.getXattr(ctx, f.ino(), "user.big"));
        String emoji = "😀".repeat(100);
        Attr g = remote.create(ctx, 1, emoji, 0644, 0);
        assertEquals(g.ino(), remote.lookup(ctx, 1, emoji).ino());
        assertEquals(emoji.getBytes(StandardCharsets.UTF_8).length, 400);
    }
}
