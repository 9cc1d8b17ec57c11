package io.tarn.server;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class MetadataServerTest {
    @TempDir
    Path dir;

    @Test
    void dataSurvivesAStopAndStartOnTheSameDirectory() throws Exception {
        long ino;
        int port;
        SessionInfo s;
        try (MetadataServer server = MetadataServer.start(dir.resolve("meta"), new InetSocketAddress("127.0.0.1", 0));
             RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            port = server.port();
            remote.createVolume(new VolumeSpec("v", "mem://x", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
            s = remote.openSession("v", "test");
            ino = remote.create(new Ctx(s.session(), 0, Caller.ROOT), s.volume().rootIno(), "kept", 0644, 0).ino();
        }
        try (MetadataServer server = MetadataServer.start(dir.resolve("meta"), new InetSocketAddress("127.0.0.1", port));
             RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            assertEquals(port, server.port());
            remote.heartbeat(s.session());
            assertEquals(ino, remote.lookup(new Ctx(s.session(), 0, Caller.ROOT), s.volume().rootIno(), "kept").ino());
        }
    }

    @Test
    void awaitTerminationReturnsAfterClose() throws Exception {
        MetadataServer server = MetadataServer.start(dir.resolve("meta"), MetadataServer.parseListen("127.0.0.1:0"));
        assertFalse(server.awaitTermination(Duration.ofMillis(10)));
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                server.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.close();
        waiter.join(Duration.ofSeconds(10));
        assertFalse(waiter.isAlive());
        assertTrue(server.awaitTermination(Duration.ZERO));
        server.close();
    }

    @Test
    void startupProblemsAreOneLineErrors() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        FsException bad = assertThrows(FsException.class, () -> MetadataServer.start(file, new InetSocketAddress("127.0.0.1", 0)));
        assertEquals(Errno.EIO, bad.errno());
        assertTrue(bad.getMessage().contains("not-a-dir"), bad.getMessage());
        try (MetadataServer first = MetadataServer.start(dir.resolve("a"), new InetSocketAddress("127.0.0.1", 0))) {
            FsException busy = assertThrows(FsException.class,
                    () -> MetadataServer.start(dir.resolve("b"), new InetSocketAddress("127.0.0.1", first.port())));
            assertTrue(busy.getMessage().contains("cannot listen"), busy.getMessage());
            assertFalse(busy.getMessage().contains("\n"));
            // the second store was closed again: a new server can open it
            MetadataServer.start(dir.resolve("b"), new InetSocketAddress("127.0.0.1", 0)).close();
            assertThrows(FsException.class, () -> MetadataServer.start(dir.resolve("a"), new InetSocketAddress("127.0.0.1", 0)),
                    "a data directory in use by a running server must be refused");
        }
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> MetadataServer.parseListen("7000")).errno());
        assertEquals(7000, MetadataServer.parseListen(":7000").getPort());
        assertTrue(MetadataServer.parseListen("[::1]:7000").getAddress().isLoopbackAddress());
    }
}
