package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockSpec;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.objectstore.MemoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.tarn.api.LockSpec.EOF;
import static io.tarn.api.LockSpec.FLOCK;
import static io.tarn.api.LockSpec.POSIX;
import static io.tarn.api.LockSpec.UNLCK;
import static io.tarn.api.LockSpec.WRLCK;
import static org.junit.jupiter.api.Assertions.*;

/** What a client releases on close (FLUSH) and on the last close (RELEASE), and what it re-asserts after a server restart. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TarnVfsLocksTest {
    private static final Caller U = Caller.ROOT;

    private static LockSpec posix(long owner, long start, long end) {
        return new LockSpec(POSIX, owner, start, end, WRLCK, 4000 + (int) owner);
    }

    private static void expect(Errno errno, Runnable call) {
        FsException e = assertThrows(FsException.class, call::run);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    @Test
    void aCloseDropsTheClosingOwnersLocksOnly() {
        try (VfsFixture fx = new VfsFixture("none")) {
            TarnVfs a = fx.client(), b = fx.client();
            long ino = a.create(U, a.rootIno(), "f", 0644, 2).attr().ino();
            long fh = a.open(U, ino, 2);
            a.setlk(U, ino, fh, posix(1, 0, 9), 0);
            a.setlk(U, ino, fh, posix(2, 20, 29), 0);
            long bfh = b.open(U, ino, 2);
            expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 5, 5), 0));
            a.flush(fh, 1);
            b.setlk(U, ino, bfh, posix(9, 5, 5), 0);
            expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 25, 25), 0));
            assertEquals(4002, b.getlk(U, ino, bfh, posix(9, 0, EOF)).pid());
        }
    }

    @Test
    void theLastCloseDropsFlockAndOpenFileLocksButNotAProcesssLocks() {
        try (VfsFixture fx = new VfsFixture("none")) {
            TarnVfs a = fx.client(), b = fx.client();
            long ino = a.create(U, a.rootIno(), "f", 0644, 2).attr().ino();
            long fh1 = a.open(U, ino, 2), fh2 = a.open(U, ino, 2), bfh = b.open(U, ino, 2);
            a.setlk(U, ino, fh1, new LockSpec(FLOCK, 100, 0, EOF, WRLCK, 1), 0);
            a.setlk(U, ino, fh1, posix(101, 0, 9), 0); // an OFD lock: its owner is the open file
            a.setlk(U, ino, fh2, posix(7, 50, 59), 0); // a process's lock through another open file
            // The process locked through fh1 too, closed it (FLUSH dropped its locks), then locked again through fh2.
            a.setlk(U, ino, fh1, posix(8, 70, 79), 0);
            a.flush(fh1, 8);
            a.setlk(U, ino, fh2, posix(8, 70, 79), 0);
            a.release(fh1);
            b.setlk(U, ino, bfh, new LockSpec(FLOCK, 200, 0, EOF, WRLCK, 2), 0);
            b.setlk(U, ino, bfh, posix(9, 0, 9), 0);
            expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 55, 55), 0));
            expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 75, 75), 0));
        }
    }

    @Test
    void aFailedFlockConversionLeavesNoLockToReclaim() {
        try (VfsFixture fx = new VfsFixture("none")) {
            TarnVfs a = fx.client(), b = fx.client();
            long ino = a.create(U, a.rootIno(), "f", 0644, 2).attr().ino();
            long fh = a.open(U, ino, 2), bfh = b.open(U, ino, 2);
            a.setlk(U, ino, fh, new LockSpec(FLOCK, 5, 0, EOF, LockSpec.RDLCK, 1), 0);
            b.setlk(U, ino, bfh, new LockSpec(FLOCK, 6, 0, EOF, LockSpec.RDLCK, 2), 0);
            expect(Errno.EAGAIN, () -> a.setlk(U, ino, fh, new LockSpec(FLOCK, 5, 0, EOF, WRLCK, 1), 0));
            assertEquals(0, a.heldLocks(), "as on Linux, the failed upgrade dropped the shared lock");
        }
    }

    @Test
    void locksHeldWhenTheServerRestartsAreReclaimedAndNothingIsGrantedBefore() throws Exception {
        MemoryKvStore kv = new MemoryKvStore();
        MetaService before = new LocalMetaService(kv);
        before.createVolume(new VolumeSpec("v", "mem://unused", VfsFixture.BLOCK, "none", 0));
        AtomicReference<MetaService> current = new AtomicReference<>(before);
        List<Runnable> listeners = new CopyOnWriteArrayList<>();
        // A client-side MetaService whose server can be swapped for a restarted one, as RemoteMetaService sees a restart.
        MetaService link = (MetaService) Proxy.newProxyInstance(MetaService.class.getClassLoader(), new Class<?>[] {MetaService.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("onServerRestart")) {
                        listeners.add((Runnable) args[0]);
                        return null;
                    }
                    if (m.getName().equals("close")) return null;
                    try {
                        return m.invoke(current.get(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        MemoryObjectStore store = new MemoryObjectStore();
        TarnVfs a = new TarnVfs(link, store, "v", ClientConfig.DEFAULTS);
        long ino = a.create(U, a.rootIno(), "f", 0644, 2).attr().ino();
        long fh = a.open(U, ino, 2);
        a.setlk(U, ino, fh, posix(1, 0, 99), 0);
        a.setlk(U, ino, fh, new LockSpec(POSIX, 1, 40, 49, UNLCK, 0), 0);
        a.setlk(U, ino, fh, new LockSpec(FLOCK, 5, 0, EOF, WRLCK, 1), 0);
        assertEquals(3, a.heldLocks(), "[0,39], [50,99] and the flock");

        MetaService after = new LocalMetaService(kv); // the restarted server: same store, empty lock table
        current.set(after);
        TarnVfs b = new TarnVfs(after, store, "v", ClientConfig.DEFAULTS);
        long bfh = b.open(U, ino, 2);
        expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 45, 45), 0)); // grace: a has not reclaimed yet
        listeners.forEach(Runnable::run);
        b.setlk(U, ino, bfh, posix(9, 45, 45), 0);
        expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 10, 10), 0));
        expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, posix(9, 99, 99), 0));
        expect(Errno.EAGAIN, () -> b.setlk(U, ino, bfh, new LockSpec(FLOCK, 6, 0, EOF, WRLCK, 2), 0));
        assertEquals(4001, b.getlk(U, ino, bfh, posix(9, 0, EOF)).pid());
        b.close();
        a.close();
        after.close();
    }

    @Test
    void aSuccessorProcessTakesTheLocksOverAndAnEmbeddedServerThatMovedGetsThemReclaimed() {
        MemoryKvStore kv = new MemoryKvStore();
        LocalMetaService first = new LocalMetaService(kv);
        first.createVolume(new VolumeSpec("v", "mem://unused", VfsFixture.BLOCK, "none", 0));
        MemoryObjectStore store = new MemoryObjectStore();
        TarnVfs old = new TarnVfs(first, store, "v", ClientConfig.DEFAULTS);
        long ino = old.create(U, old.rootIno(), "f", 0644, 2).attr().ino();
        long fh = old.open(U, ino, 2);
        old.setlk(U, ino, fh, posix(1, 0, 9), 0);
        old.setlk(U, ino, fh, new LockSpec(FLOCK, 5, 0, EOF, WRLCK, 1), 0);
        byte[] state = old.exportState();
        old.close();

        // The successor's server is a new one over the same store, as when an embedded mount is upgraded.
        LocalMetaService second = new LocalMetaService(kv);
        TarnVfs next = TarnVfs.resume(second, store, ClientConfig.DEFAULTS, state);
        TarnVfs other = new TarnVfs(second, store, "v", ClientConfig.DEFAULTS);
        long ofh = other.open(U, ino, 2);
        expect(Errno.EAGAIN, () -> other.setlk(U, ino, ofh, posix(9, 5, 5), 0));
        expect(Errno.EAGAIN, () -> other.setlk(U, ino, ofh, new LockSpec(FLOCK, 6, 0, EOF, WRLCK, 2), 0));
        other.setlk(U, ino, ofh, posix(9, 10, 10), 0);
        // The successor knows what it holds: a close by the owning process and the last close release them.
        next.flush(fh, 1);
        other.setlk(U, ino, ofh, posix(9, 5, 5), 0);
        next.release(fh);
        other.setlk(U, ino, ofh, new LockSpec(FLOCK, 6, 0, EOF, WRLCK, 2), 0);
        other.close();
        next.close();
        second.close();
    }
}
