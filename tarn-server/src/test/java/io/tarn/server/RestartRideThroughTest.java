package io.tarn.server;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients stream mutations and reads while the metadata server (RocksDB) is closed and started
 * again on the same port and data directory, three times. No call may fail, every acknowledged
 * mutation must be there, and none may be applied twice.
 */
@Timeout(120)
class RestartRideThroughTest {
    private static final int RESTARTS = 3;

    @TempDir
    Path dir;

    @Test
    void clientsSeeNoErrorAcrossServerRestarts() throws Exception {
        Path data = dir.resolve("meta");
        MetadataServer server = MetadataServer.start(data, new InetSocketAddress("127.0.0.1", 0));
        int port = server.port();
        try (RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + port, RpcOptions.defaults())) {
            remote.createVolume(new VolumeSpec("ride", "mem://ride", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo s = remote.openSession("ride", "restart-test");
            MutationStream stream = new MutationStream(remote, new Ctx(s.session(), 0, Caller.ROOT), s.volume().rootIno(), 3);
            stream.start();
            for (int r = 0; r < RESTARTS; r++) {
                stream.awaitCalls(300, Duration.ofSeconds(30), "traffic before restart " + r);
                server.close();
                server = MetadataServer.start(data, new InetSocketAddress("127.0.0.1", port));
            }
            stream.awaitCalls(300, Duration.ofSeconds(30), "traffic after the last restart");
            stream.stopAndCheck();
            assertTrue(remote.reconnects() >= RESTARTS, "the client reconnected only " + remote.reconnects() + " times");
            System.out.printf("graceful restarts: %d acknowledged files, %d calls, %d restarts; longest call %d ms%n",
                    stream.ackedFiles(), stream.calls.get(), RESTARTS, stream.longestNanos.get() / 1_000_000);
            remote.closeSession(s.session());
        } finally {
            server.close();
        }
    }
}
