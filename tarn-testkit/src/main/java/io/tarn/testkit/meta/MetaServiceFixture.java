package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Set-up shared by the MetaService contract suites: a service from {@link #open()}, a fresh uniquely
 * named volume and a session on it per test, and small helpers. Only the interface is used.
 */
public abstract class MetaServiceFixture {
    protected static final int BLOCK = VolumeSpec.MIN_BLOCK_SIZE;
    protected static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_TRUNC = 01000;
    protected MetaService meta;
    protected VolumeInfo vol;
    protected SessionInfo session;
    protected long root;
    private final List<String> volumes = new ArrayList<>();
    private final AtomicLong requestIds = new AtomicLong(1000);

    /** A service to test; closed after each test. Called before each test. */
    protected abstract MetaService open() throws Exception;

    @BeforeEach
    void setUpVolume() throws Exception {
        meta = open();
        vol = newVolume();
        session = meta.openSession(vol.name(), "contract");
        root = vol.rootIno();
    }

    @AfterEach
    void tearDownVolume() {
        if (meta == null) return;
        try {
            for (String v : volumes) {
                try {
                    meta.deleteVolume(v);
                } catch (FsException ignored) {
                    // already deleted by the test
                }
            }
        } finally {
            meta.close();
        }
    }

    protected VolumeInfo newVolume() {
        String name = "c-" + UUID.randomUUID().toString().substring(0, 18);
        volumes.add(name);
        return meta.createVolume(new VolumeSpec(name, "mem://contract", BLOCK, "none", 0));
    }

    protected Ctx root() {
        return new Ctx(session.session(), 0, Caller.ROOT);
    }

    protected Ctx user(int uid, int gid, int... groups) {
        return new Ctx(session.session(), 0, new Caller(uid, gid, groups, 4242));
    }

    protected long nextRequestId() {
        return requestIds.incrementAndGet();
    }

    protected static void expect(Errno errno, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(errno, e.errno(), () -> "expected " + errno + " but got " + e.getMessage());
    }

    /** A directory under root, mode 0777, so unprivileged callers may work in it. */
    protected long openDir(String name) {
        long ino = meta.mkdir(root(), root, name, 0777).ino();
        meta.setAttr(root(), ino, io.tarn.api.SetAttr.mode(0777));
        return ino;
    }

    protected Attr file(Ctx ctx, long parent, String name, int mode) {
        Attr a = meta.create(ctx, parent, name, mode, O_RDWR);
        meta.release(ctx, a.ino());
        return a;
    }

    protected List<String> names(long dir) {
        List<String> out = new ArrayList<>();
        String after = null;
        while (true) {
            var page = meta.readDir(root(), dir, after, 100, false);
            for (DirEntry e : page.entries()) out.add(e.name());
            if (!page.more()) return out;
            after = page.entries().getLast().name();
        }
    }

    protected static boolean isType(Attr a, int type) {
        return (a.mode() & Attr.S_IFMT) == type;
    }
}
