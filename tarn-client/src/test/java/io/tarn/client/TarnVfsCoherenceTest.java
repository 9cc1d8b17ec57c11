package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Change;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Two clients of one metadata service: pushed changes (ADR 0120), xattr answers kept by them, listings kept between calls. */
@Timeout(60)
class TarnVfsCoherenceTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    /** A client whose metadata calls are counted by method name. */
    private TarnVfs countedClient() {
        MetaService counted = (MetaService) Proxy.newProxyInstance(MetaService.class.getClassLoader(), new Class<?>[]{MetaService.class},
                (proxy, m, args) -> {
                    calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
                    try {
                        return m.invoke(fx.meta, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        TarnVfs v = new TarnVfs(counted, fx.store, "v", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST));
        fx.clients.add(v);
        return v;
    }

    private int count(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    /** Records what a client is told; {@link #await} waits for a change with a deadline. */
    private static final class Recorder implements Vfs.ChangeListener {
        final LinkedBlockingQueue<Change> changes = new LinkedBlockingQueue<>();
        final AtomicInteger resets = new AtomicInteger();

        @Override
        public void changed(List<Change> cs) {
            changes.addAll(cs);
        }

        @Override
        public void dropAll() {
            resets.incrementAndGet();
        }

        List<Change> await(Change wanted) throws InterruptedException {
            List<Change> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                Change got = changes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (got == null) break;
                seen.add(got);
                if (got.equals(wanted)) return seen;
            }
            throw new AssertionError("never told " + wanted + "; told " + seen);
        }
    }

    private static void awaitLive(TarnVfs v) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!v.changesPushed()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the change feed never answered");
            Thread.onSpinWait();
        }
    }

    @Test
    void anotherClientIsToldWhatChangedButNotTheOneThatChangedIt() throws Exception {
        TarnVfs a = fx.client(), b = fx.client();
        Recorder ra = new Recorder(), rb = new Recorder();
        a.listen(ra);
        b.listen(rb);
        awaitLive(a);
        awaitLive(b);
        int resets = rb.resets.get(); // the first answer of a feed is a reset: start from nothing cached
        long root = a.rootIno();
        long stamp = b.changeStamp();
        Attr f = a.mknod(c, root, "f", Attr.S_IFREG | 0644, 0);
        List<Change> told = rb.await(Change.entry(root, "f"));
        assertTrue(b.changeStamp() > stamp, "the stamp moves before the listener is told");
        a.setattr(c, f.ino(), SetAttr.mode(0600));
        rb.await(Change.attr(f.ino()));
        a.setxattr(c, f.ino(), "user.k", new byte[]{1}, 0);
        rb.await(Change.xattr(f.ino()));
        a.rename(c, root, "f", root, "g", 0);
        rb.await(Change.entry(root, "g"));
        // B's own change is not echoed to B, but is told to A.
        b.mkdir(c, root, "from-b", 0755);
        ra.await(Change.entry(root, "from-b"));
        assertFalse(rb.changes.contains(Change.entry(root, "from-b")), "told its own change: " + told);
        assertEquals(resets, rb.resets.get(), "nothing was lost");
    }

    @Test
    void aFileWithoutXattrsIsAnsweredLocallyUntilAnotherClientSetsOne() throws Exception {
        TarnVfs a = fx.client(), b = countedClient();
        Recorder rb = new Recorder();
        b.listen(rb);
        awaitLive(b);
        long dir = a.mkdir(c, a.rootIno(), "d", 0755).ino();
        Attr plain = a.mknod(c, dir, "plain", Attr.S_IFREG | 0644, 0);
        Attr tagged = a.mknod(c, dir, "tagged", Attr.S_IFREG | 0644, 0);
        a.setxattr(c, tagged.ino(), "security.t", new byte[]{7}, 0);
        rb.await(Change.xattr(tagged.ino()));

        long fh = b.opendir(c, dir);
        assertEquals(4, b.readdir(fh, 0, 100, true).size());
        b.releasedir(fh);
        int asked = count("getXattr");
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "security.other")).errno());
        FsException unlabelled = assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "security.selinux"));
        assertEquals(Errno.ENOTSUP, unlabelled.errno(), "an absent SELinux label: the mount is unlabelled");
        assertEquals(List.of(), b.listxattr(c, plain.ino()));
        assertEquals(asked, count("getXattr"), "answered without asking the server");
        assertArrayEquals(new byte[]{7}, b.getxattr(c, tagged.ino(), "security.t"));
        assertEquals(asked + 1, count("getXattr"), "an inode with xattrs is asked for");
        assertEquals(Errno.ENOTSUP, assertThrows(FsException.class, () -> b.getxattr(c, tagged.ino(), "security.selinux")).errno());
        assertEquals(asked + 2, count("getXattr"));
        // user. reads check permissions on the server first: never answered here.
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "user.x")).errno());
        assertEquals(asked + 3, count("getXattr"));
        // ACLs are stored as xattrs that anyone may read (ls -l asks for one of every entry): an inode
        // without xattrs has none, answered here; an inode with some is asked for.
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "system.posix_acl_access")).errno());
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "system.posix_acl_default")).errno());
        assertEquals(asked + 3, count("getXattr"), "ACL reads of an inode without xattrs are answered here");
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, tagged.ino(), "system.posix_acl_access")).errno());
        assertEquals(asked + 4, count("getXattr"));

        a.setxattr(c, plain.ino(), "security.selinux", "ctx".getBytes(), 0);
        rb.await(Change.xattr(plain.ino()));
        assertArrayEquals("ctx".getBytes(), b.getxattr(c, plain.ino(), "security.selinux"), "the push ends the local answer");
        assertEquals(List.of("security.selinux"), b.listxattr(c, plain.ino()));
        int before = count("getXattr");
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, plain.ino(), "system.posix_acl_access")).errno());
        assertEquals(before + 1, count("getXattr"), "ACL reads are asked for once the inode has an xattr");
    }

    @Test
    void ownXattrChangesEndTheLocalAnswerToo() throws Exception {
        TarnVfs b = fx.client();
        awaitLive(b);
        long dir = b.mkdir(c, b.rootIno(), "d", 0755).ino();
        Attr f = b.mknod(c, dir, "f", Attr.S_IFREG | 0644, 0);
        long fh = b.opendir(c, dir);
        b.readdir(fh, 0, 100, true);
        b.releasedir(fh);
        assertEquals(Errno.ENODATA, assertThrows(FsException.class, () -> b.getxattr(c, f.ino(), "security.x")).errno());
        b.setxattr(c, f.ino(), "security.x", new byte[]{1}, 0);
        assertArrayEquals(new byte[]{1}, b.getxattr(c, f.ino(), "security.x"));
    }

    @Test
    void theRestOfAListingIsServedFromTheLastAnswerUntilSomethingChanges() throws Exception {
        TarnVfs a = fx.client(), b = countedClient();
        Recorder rb = new Recorder();
        b.listen(rb);
        awaitLive(b);
        long dir = a.mkdir(c, a.rootIno(), "d", 0755).ino();
        for (int i = 0; i < 60; i++) a.mknod(c, dir, String.format("f%02d", i), Attr.S_IFREG | 0644, 0);
        rb.await(Change.entry(dir, "f59"));

        long fh = b.opendir(c, dir);
        List<Vfs.DirItem> first = b.readdir(fh, 0, 256, true); // the kernel takes only what fits
        assertEquals(62, first.size());
        int pages = count("readDir");
        List<Vfs.DirItem> taken = new ArrayList<>(first.subList(0, 12));
        List<Vfs.DirItem> next = b.readdir(fh, taken.getLast().nextOffset(), 256, true);
        assertEquals(first.subList(12, 62), next, "the rest of the same answer");
        assertEquals(pages, count("readDir"), "without asking the server again");

        a.mknod(c, dir, "f60", Attr.S_IFREG | 0644, 0);
        rb.await(Change.entry(dir, "f60"));
        List<Vfs.DirItem> after = b.readdir(fh, next.get(10).nextOffset(), 256, true);
        assertTrue(count("readDir") > pages, "a pushed change makes it ask again");
        assertEquals("f60", after.getLast().name());
        assertEquals(first.get(23).name(), after.getFirst().name());

        b.unlink(c, dir, "f60"); // its own change too
        int before = count("readDir");
        List<Vfs.DirItem> again = b.readdir(fh, after.get(5).nextOffset(), 256, true);
        assertTrue(count("readDir") > before);
        assertNotEquals("f60", again.getLast().name());
        b.releasedir(fh);
    }
}
