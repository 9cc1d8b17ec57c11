package io.tarn.client;

import io.tarn.api.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/** When an open may keep the kernel's cached pages (FOPEN_KEEP_CACHE): only if the data did not change since this client saw it. */
@Timeout(30)
class TarnVfsKeepCacheTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final ClientConfig noatime = ClientConfig.DEFAULTS.withAtime(ClientConfig.Atime.NOATIME);
    private final TarnVfs a = fx.client(noatime), b = fx.client(noatime);
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private boolean openKeeps(TarnVfs v, long ino, int flags) {
        long fh = v.open(c, ino, flags);
        boolean keep = v.keepCache(fh);
        v.release(fh);
        return keep;
    }

    @Test
    void unchangedDataKeepsPagesAndAnotherClientsWriteDropsThem() {
        Vfs.Created f = a.create(c, a.rootIno(), "f", 0644, OpenFlags.O_RDWR);
        a.write(f.fh(), 0, buf(pattern(5000, 1)));
        a.release(f.fh());
        long ino = f.attr().ino();
        assertTrue(openKeeps(a, ino, OpenFlags.O_RDONLY), "the writer's pages show what it committed");
        assertFalse(openKeeps(b, ino, OpenFlags.O_RDONLY), "a client that never saw the file has nothing to keep");
        assertTrue(openKeeps(b, ino, OpenFlags.O_RDONLY));
        long fh = b.open(c, ino, OpenFlags.O_WRONLY);
        b.write(fh, 100, buf(pattern(10, 2)));
        b.release(fh);
        assertFalse(openKeeps(a, ino, OpenFlags.O_RDONLY), "changed by another client: pages dropped");
        assertTrue(openKeeps(a, ino, OpenFlags.O_RDONLY));
        assertFalse(openKeeps(a, ino, OpenFlags.O_RDWR | OpenFlags.O_TRUNC), "a truncating open never keeps");
    }

    @Test
    void relatimeDropsThePagesOnceSoTheReadUpdatesAtime() {
        TarnVfs r = fx.client(ClientConfig.DEFAULTS);
        Vfs.Created f = r.create(c, r.rootIno(), "g", 0644, OpenFlags.O_RDWR);
        r.write(f.fh(), 0, buf(pattern(5000, 1)));
        r.release(f.fh());
        long ino = f.attr().ino();
        assertFalse(openKeeps(r, ino, OpenFlags.O_RDONLY), "atime is due after the write: the read must reach the client");
        long fh = r.open(c, ino, OpenFlags.O_RDONLY);
        long before = r.getattr(c, ino).atimeNs();
        r.read(fh, 0, 10);
        r.release(fh);
        assertTrue(r.getattr(c, ino).atimeNs() > before, "the read updated atime");
        assertTrue(openKeeps(r, ino, OpenFlags.O_RDONLY), "atime newer than mtime: pages kept again");
    }
}
