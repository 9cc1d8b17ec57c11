package io.tarn.rpc;

import io.tarn.api.Caller;
import io.tarn.api.Change;
import io.tarn.api.ChangeBatch;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The change feed (ADR 0120) over the wire: a long poll on its own connection, woken by a commit, ended by a server close. */
@Timeout(60)
class RemoteChangeFeedTest {

    @Test
    void aLongPollIsAnsweredByAnotherClientsCommitAndDoesNotHoldUpOtherCalls() throws Exception {
        try (LocalMetaService local = new LocalMetaService(new MemoryKvStore());
             RpcServer server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
             RemoteMetaService reader = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults());
             RemoteMetaService writer = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            writer.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo r = reader.openSession("v", "reader");
            Ctx w = new Ctx(writer.openSession("v", "writer").session(), 0, Caller.ROOT);
            ChangeBatch start = reader.changes(r.session(), 0, 0, 100, 10_000);
            assertTrue(start.reset(), "the first answer comes at once");
            CompletableFuture<ChangeBatch> poll = CompletableFuture.supplyAsync(
                    () -> reader.changes(r.session(), start.feed(), start.cursor(), 100, 20_000), r2 -> Thread.ofPlatform().start(r2));
            // The reader's other calls go on while its poll waits on the server.
            Ctx rc = new Ctx(r.session(), 0, Caller.ROOT);
            assertEquals(1, reader.getAttr(rc, 1).ino());
            assertEquals(3, server.connectionCount(), "the reader's poll has a connection of its own beside the two clients'");
            writer.mkdir(w, 1, "d", 0755);
            ChangeBatch b = poll.get(10, TimeUnit.SECONDS);
            assertTrue(b.changes().contains(Change.entry(1, "d")), b.toString());
            assertArrayEquals(new boolean[]{false, false}, reader.xattrHolders(rc, new long[]{1, 424242}));
        }
    }

    @Test
    void closingTheServerEndsAWaitingPollAtOnce() throws Exception {
        LocalMetaService local = new LocalMetaService(new MemoryKvStore());
        RpcServer server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
        try (RemoteMetaService reader = RemoteMetaService.connect("127.0.0.1:" + server.port(),
                RpcOptions.defaults().withRideThrough(Duration.ofMillis(300)))) {
            reader.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo r = reader.openSession("v", "reader");
            ChangeBatch start = reader.changes(r.session(), 0, 0, 100, 0);
            CompletableFuture<Object> poll = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    poll.complete(reader.changes(r.session(), start.feed(), start.cursor(), 100, 20_000));
                } catch (FsException e) {
                    poll.complete(e);
                }
            });
            // Wait until the poll is on the server: a second connection is open.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.connectionCount() < 2) {
                assertTrue(System.nanoTime() < deadline, "the poll never connected");
                Thread.onSpinWait();
            }
            long t0 = System.nanoTime();
            server.close();
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "close did not wait out the poll");
            Object outcome = poll.get(10, TimeUnit.SECONDS);
            assertInstanceOf(FsException.class, outcome, "the server is gone and stays gone: " + outcome);
        } finally {
            local.close();
        }
    }

    @Test
    void aServiceWithoutAFeedSaysSo() {
        try (RpcServer server = RpcServer.start(new FakeMetaService(), new InetSocketAddress("127.0.0.1", 0));
             RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            assertEquals(Errno.ENOSYS, assertThrows(FsException.class, () -> remote.changes(1, 0, 0, 1, 0)).errno());
        }
    }
}
