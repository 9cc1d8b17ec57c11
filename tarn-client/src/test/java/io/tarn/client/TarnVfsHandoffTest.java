package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/** exportState / resume: a successor continues the session and the handles of its predecessor. */
@Timeout(60)
class TarnVfsHandoffTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = VfsFixture.USER;

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void handlesSurviveAHandoffIncludingAnUnlinkedFileAndUnflushedWrites() {
        TarnVfs old = fx.client();
        long root = old.rootIno();
        old.setattr(Caller.ROOT, root, io.tarn.api.SetAttr.mode(0777));
        Vfs.Created a = old.create(c, root, "a", 0644, OpenFlags.O_RDWR);
        byte[] data = pattern(BLOCK + 100, 1);
        old.write(a.fh(), 0, buf(data)); // not flushed: exportState must make it durable
        Vfs.Created gone = old.create(c, root, "gone", 0644, OpenFlags.O_RDWR);
        old.write(gone.fh(), 0, buf(pattern(10, 2)));
        old.unlink(c, root, "gone");
        long dir = old.opendir(c, root);

        byte[] state = old.exportState();
        old.close(); // leaves the session and the server-side opens alone

        TarnVfs next = TarnVfs.resume(fx.meta, fx.store, ClientConfig.DEFAULTS, state);
        fx.clients.add(next);
        assertArrayEquals(data, bytes(next.read(a.fh(), 0, data.length + 10)));
        assertArrayEquals(pattern(10, 2), bytes(next.read(gone.fh(), 0, 100)), "the unlinked file lives on through its handle");
        next.write(a.fh(), data.length, buf(pattern(5, 3)));
        assertFalse(next.readdir(dir, 0, 10, false).isEmpty());
        next.releasedir(dir);
        next.release(a.fh());
        next.release(gone.fh());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> next.getattr(c, gone.attr().ino())).errno(),
                "the last release after the handoff deleted the orphan");
        long fresh = next.open(c, a.attr().ino(), OpenFlags.O_RDONLY);
        assertNotEquals(a.fh(), fresh);
        assertNotEquals(gone.fh(), fresh, "handle numbers are not reused");
        byte[] all = bytes(next.read(fresh, 0, data.length + 100));
        assertEquals(data.length + 5, all.length);
        assertArrayEquals(pattern(5, 3), Arrays.copyOfRange(all, data.length, all.length));
        next.release(fresh);
    }

    @Test
    void badStateIsEinvalAndAnEndedSessionIsEstale() {
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> TarnVfs.resume(fx.meta, fx.store, ClientConfig.DEFAULTS, new byte[]{1, 2, 3})).errno());
        TarnVfs old = fx.client();
        byte[] state = old.exportState();
        fx.meta.closeSession(VfsState.decode(state).session());
        assertEquals(Errno.ESTALE, assertThrows(FsException.class,
                () -> TarnVfs.resume(fx.meta, fx.store, ClientConfig.DEFAULTS, state)).errno());
        byte[] cut = Arrays.copyOf(state, state.length - 1);
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> TarnVfs.resume(fx.meta, fx.store, ClientConfig.DEFAULTS, cut)).errno());
    }
}
