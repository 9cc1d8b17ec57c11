package io.tarn.client;

import io.tarn.api.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/** Handles of one file share its data: closing one leaves the others' writes alone (shell `>>` loops overlap this way). */
@Timeout(30)
class TarnVfsSharedHandlesTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final TarnVfs v = fx.client();
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void releasingOneHandleKeepsTheOtherWriting() {
        Vfs.Created f = v.create(c, v.rootIno(), "log", 0644, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        long ino = f.attr().ino();
        v.write(f.fh(), 0, buf(pattern(10, 1)));
        v.release(f.fh());
        long reader1 = v.open(c, ino, OpenFlags.O_RDONLY), reader2 = v.open(c, ino, OpenFlags.O_RDONLY);
        long writer = v.open(c, ino, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        v.write(writer, 0, buf(pattern(10, 2)));
        v.release(reader1);
        v.release(reader2); // the writer still holds the file, with an unflushed append
        v.write(writer, 0, buf(pattern(10, 3)));
        v.release(writer);
        long r = v.open(c, ino, OpenFlags.O_RDONLY);
        assertEquals(30, v.read(r, 0, 100).remaining(), "every handle's append is kept");
        v.release(r);
    }
}
