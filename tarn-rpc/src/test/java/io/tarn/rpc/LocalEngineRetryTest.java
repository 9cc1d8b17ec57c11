package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Lost replies against the real engine: every mutation whose reply is cut after the server
 * committed it is resent with the same request id and must come back as if nothing had happened.
 */
@Timeout(60)
class LocalEngineRetryTest {
    private LocalMetaService local;
    private RpcServer server;
    private CuttingProxy proxy;
    private RemoteMetaService remote;
    private Ctx ctx;
    private long root;

    @BeforeEach
    void start() throws Exception {
        local = new LocalMetaService(new MemoryKvStore());
        server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
        proxy = new CuttingProxy(server.address());
        remote = RemoteMetaService.connect("127.0.0.1:" + proxy.port(), RpcOptions.defaults());
        proxy.cutNextReply();
        var volume = remote.createVolume(new VolumeSpec("lost", "mem://lost", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
        root = volume.rootIno();
        ctx = new Ctx(remote.openSession("lost", "retry").session(), 0, Caller.ROOT);
    }

    @AfterEach
    void stop() {
        remote.close();
        proxy.close();
        server.close();
        local.close();
    }

    /** Runs {@code call} with its reply cut once; the reply must still arrive, through a resend. */
    private <T> T cut(Supplier<T> call) {
        int before = proxy.cuts.get();
        proxy.cutNextReply();
        T result = call.get();
        assertEquals(before + 1, proxy.cuts.get(), "the reply was not cut");
        return result;
    }

    private void cutVoid(Runnable call) {
        cut(() -> {
            call.run();
            return null;
        });
    }

    @Test
    void everyMutationSurvivesALostReply() {
        Attr dir = cut(() -> remote.mkdir(ctx, root, "d", 0755));
        Attr file = cut(() -> remote.create(ctx, dir.ino(), "f", 0644, 2));
        assertEquals(file.ino(), local.lookup(ctx, dir.ino(), "f").ino());
        Attr linked = cut(() -> remote.link(ctx, file.ino(), dir.ino(), "g"));
        assertEquals(2, linked.nlink());
        Attr sized = cut(() -> remote.setAttr(ctx, file.ino(), SetAttr.size(10)));
        assertEquals(10, sized.size());
        long ids = cut(() -> remote.reserveBlockIds(ctx, 5));
        assertEquals(ids + 5, remote.reserveBlockIds(ctx, 1), "a resent reservation must not reserve twice");
        Attr committed = cut(() -> remote.commitBlocks(ctx, file.ino(), List.of(new BlockRef(0, ids, 100, 100, 7)), 100, 5));
        assertEquals(100, committed.size());
        cutVoid(() -> remote.setXattr(ctx, file.ino(), "user.k", new byte[]{1}, MetaService.XATTR_CREATE));
        cutVoid(() -> remote.removeXattr(ctx, file.ino(), "user.k"));
        Attr sym = cut(() -> remote.symlink(ctx, dir.ino(), "s", "f"));
        assertEquals("f", remote.readlink(ctx, sym.ino()));
        cutVoid(() -> remote.rename(ctx, dir.ino(), "f", root, "moved", 0));
        cutVoid(() -> remote.unlink(ctx, dir.ino(), "g"));
        cutVoid(() -> remote.unlink(ctx, dir.ino(), "s"));
        cutVoid(() -> remote.release(ctx, file.ino()));
        cutVoid(() -> remote.rmdir(ctx, root, "d"));
        assertEquals(1, remote.getAttr(ctx, file.ino()).nlink());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> remote.lookup(ctx, root, "d")).errno());
        assertEquals(List.of("moved"), remote.readDir(ctx, root, null, 100, false).entries().stream().map(e -> e.name()).toList());
        cutVoid(() -> remote.closeSession(ctx.session()));
        cutVoid(() -> remote.deleteVolume("lost"));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> remote.volume("lost")).errno());
    }
}
