package io.tarn.rpc;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The time-travel additions of MetaService over the wire: a view session, retention, usage. */
@Timeout(30)
class RemoteTimeTravelTest {

    @Test
    void aViewOpenedOverRpcShowsThePastAndRefusesChanges() {
        try (LocalMetaService local = new LocalMetaService(new MemoryKvStore());
             RpcServer server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
             MetaService remote = RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults())) {
            remote.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.MIN_BLOCK_SIZE, "none", 3600));
            Ctx live = new Ctx(remote.openSession("v", "live").session(), 0, Caller.ROOT);
            remote.mkdir(live, 1, "before", 0755);
            // The server stamps changes in nanoseconds: an instant truncated to the millisecond could fall
            // before "before" was made. Taken after it returned, the instant is past its stamp.
            long at = wallNanos();
            while (wallNanos() <= at) Thread.onSpinWait();
            remote.mkdir(live, 1, "after", 0755);
            SessionInfo view = remote.openSession("v", "view", at);
            Ctx v = new Ctx(view.session(), 1, Caller.ROOT);
            assertTrue(remote.lookup(live, 1, "after").isDir());
            assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> remote.lookup(v, 1, "after")).errno());
            assertTrue(remote.lookup(v, 1, "before").isDir());
            assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> remote.mkdir(v, 1, "x", 0755)).errno());
            remote.heartbeat(view.session());
            FsException old = assertThrows(FsException.class, () -> remote.openSession("v", "view", 1_000_000_000L));
            assertEquals(Errno.EINVAL, old.errno());
            assertTrue(old.getMessage().contains("oldest instant available"), old.getMessage());
            assertEquals(7200, remote.setRetention("v", 7200).retentionSeconds());
            assertEquals(0, remote.volumeUsage("v").historyBytes());
            remote.closeSession(view.session());
        }
    }

    private static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
