package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** Lost replies, server restarts and outages longer than the ride-through, against the fake service. */
@Timeout(60)
class RetryTest {
    private final FakeMetaService fake = new FakeMetaService();
    private RpcServer server;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void start() {
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        server.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static void waitUntil(BooleanSupplier condition, Duration limit, String what) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private Ctx session(RemoteMetaService remote) {
        if (fake.listVolumes().isEmpty()) fake.createVolume(new VolumeSpec("v", "mem://", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
        return new Ctx(remote.openSession("v", "retry-test").session(), 0, Caller.ROOT);
    }

    @Test
    void aMutationWhoseReplyWasLostIsAppliedOnce() throws Exception {
        CuttingProxy proxy = later(new CuttingProxy(server.address()));
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + proxy.port(), RpcOptions.defaults()));
        Ctx ctx = session(remote);
        int before = fake.applied.get();

        proxy.cutNextReply();
        Attr created = remote.create(ctx, 1, "once", 0644, 0);
        assertEquals(1, proxy.cuts.get());
        assertEquals(created, fake.lookup(ctx, 1, "once"));
        assertEquals(before + 1, fake.applied.get());

        proxy.cutNextReply();
        long first = remote.reserveBlockIds(ctx, 8);
        assertEquals(first + 8, remote.reserveBlockIds(ctx, 1), "a retried reservation must not reserve twice");

        proxy.cutNextReply();
        remote.commitBlocks(ctx, created.ino(), List.of(new BlockRef(0, first, 10, 20, 1)), 10, 5);
        proxy.cutNextReply();
        remote.rename(ctx, 1, "once", 1, "twice", 0);
        proxy.cutNextReply();
        remote.unlink(ctx, 1, "twice");
        assertEquals(5, proxy.cuts.get());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> remote.lookup(ctx, 1, "twice")).errno());
    }

    @Test
    void callsWithoutRequestIdsReconcileTheirOwnFirstDelivery() throws Exception {
        CuttingProxy proxy = later(new CuttingProxy(server.address()));
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + proxy.port(), RpcOptions.defaults()));
        VolumeSpec spec = new VolumeSpec("vol", "mem://", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0);
        proxy.cutNextReply();
        VolumeInfo v = remote.createVolume(spec);
        assertEquals(fake.volume("vol"), v);
        Ctx ctx = new Ctx(remote.openSession("vol", "retry-test").session(), 0, Caller.ROOT);
        proxy.cutNextReply();
        remote.closeSession(ctx.session());
        proxy.cutNextReply();
        remote.deleteVolume("vol");
        assertEquals(3, proxy.cuts.get());
        // without a lost reply the errors are the caller's
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> remote.deleteVolume("vol")).errno());
    }

    @Test
    void clientRidesThroughAServerRestart() throws Exception {
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults()));
        Ctx ctx = session(remote);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong(), longest = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    long t0 = System.nanoTime();
                    Attr a = remote.create(ctx, 1, "f" + i, 0644, 0);
                    assertEquals(a, remote.getAttr(ctx, a.ino()));
                    longest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    done.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        waitUntil(() -> done.get() > 200, Duration.ofSeconds(20), "calls before the restart");
        int port = server.port();
        int appliedBefore = fake.applied.get();
        server.close();
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", port));
        long after = done.get();
        waitUntil(() -> done.get() > after + 200 || failure.get() != null, Duration.ofSeconds(30), "calls after the restart");
        stop.set(true);
        worker.join();
        assertNull(failure.get(), () -> "a call failed across the restart: " + failure.get());
        assertTrue(fake.applied.get() > appliedBefore);
        assertTrue(remote.reconnects() >= 1, "the client never reconnected");
        // every acknowledged create is there exactly once, under its own name
        assertEquals(done.get(), fake.readDir(ctx, 1, null, Integer.MAX_VALUE, false).entries().size());
        System.out.printf("longest call across the restart: %d ms%n", longest.get() / 1_000_000);
    }

    @Test
    void anOutageLongerThanTheRideThroughFailsThenRecovers() throws Exception {
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + server.port(),
                RpcOptions.defaults().withRideThrough(Duration.ofMillis(300))));
        Ctx ctx = session(remote);
        int port = server.port();
        server.close();
        long t0 = System.nanoTime();
        FsException e = assertThrows(FsException.class, () -> remote.getAttr(ctx, 1));
        long waited = System.nanoTime() - t0;
        assertEquals(Errno.ECONNREFUSED, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(waited >= Duration.ofMillis(250).toNanos() && waited < Duration.ofSeconds(5).toNanos(), "waited " + waited);
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", port));
        waitUntil(() -> {
            try {
                return remote.getAttr(ctx, 1).ino() == 1;
            } catch (FsException refused) {
                return false;
            }
        }, Duration.ofSeconds(10), "the client to reconnect");
    }

    @Test
    void aCallThatKeepsLosingItsConnectionGivesUp() throws Exception {
        CuttingProxy proxy = later(new CuttingProxy(server.address()));
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + proxy.port(), RpcOptions.defaults()));
        Ctx ctx = session(remote);
        proxy.cutEveryReply(true);
        FsException e = assertThrows(FsException.class, () -> remote.create(ctx, 1, "poison", 0644, 0));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("create"), e.getMessage());
        assertEquals(RemoteMetaService.MAX_LOSSES + 1, proxy.cuts.get());
        proxy.cutEveryReply(false);
        assertEquals(1, fake.applied.get(), "resent with one request id, the create ran once");
        assertEquals(fake.lookup(ctx, 1, "poison"), remote.lookup(ctx, 1, "poison"));
    }

    @Test
    void openSessionsAreKeptAliveAndClosedOnesAreNot() {
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + server.port(),
                RpcOptions.defaults().withHeartbeatInterval(Duration.ofMillis(20))));
        long first = session(remote).session();
        waitUntil(() -> fake.heartbeatsBySession.getOrDefault(first, 0) >= 3, Duration.ofSeconds(10), "heartbeats");
        remote.closeSession(first);
        // one heartbeat may already have been on its way when the session closed
        int atClose = fake.heartbeatsBySession.get(first) + 1;
        long second = session(remote).session();
        waitUntil(() -> fake.heartbeatsBySession.getOrDefault(second, 0) >= 3, Duration.ofSeconds(10), "heartbeats of the second session");
        assertTrue(fake.heartbeatsBySession.get(first) <= atClose, "a closed session is still being kept alive");
    }

    @Test
    void sessionsAreCheckedAgainAfterARestart() {
        RemoteMetaService remote = later(RemoteMetaService.connect("127.0.0.1:" + server.port(),
                RpcOptions.defaults().withHeartbeatInterval(Duration.ZERO)));
        Ctx ctx = session(remote);
        int port = server.port();
        int beats = fake.heartbeats.get();
        server.close();
        server = RpcServer.start(fake, new InetSocketAddress("127.0.0.1", port));
        assertEquals(1, remote.getAttr(ctx, 1).ino());
        waitUntil(() -> fake.heartbeats.get() > beats, Duration.ofSeconds(10), "the session to be re-validated");
    }
}
