package io.tarn.cli.mount;

import io.tarn.api.Attr;
import io.tarn.api.MetaService;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.client.OpenFlags;
import io.tarn.client.Vfs;
import io.tarn.fuse.Attributes;
import io.tarn.fuse.Connection;
import io.tarn.fuse.Created;
import io.tarn.fuse.Data;
import io.tarn.fuse.Deferred;
import io.tarn.fuse.DirSink;
import io.tarn.fuse.Entry;
import io.tarn.fuse.FileLock;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockSpec;
import io.tarn.fuse.FsStats;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.Opened;
import io.tarn.fuse.Request;
import io.tarn.fuse.proto.Proto;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves a {@link Vfs} through the FUSE transport. Node ids are the volume's inode numbers, except
 * that FUSE's root (1) stands for {@link Vfs#rootIno()}. Data operations that may wait on the object
 * store (read, flush, fsync, release) are answered from virtual threads so the transport's few
 * reader threads keep serving metadata requests meanwhile.
 */
public final class VfsFilesystem implements FuseFilesystem {
    private static final long FUSE_ROOT = 1;
    private static final int NAME_MAX = 255;

    // Set once: at construction, or by importState in a process that took a live mount over.
    private volatile Vfs vfs;
    private volatile long root;
    private final java.util.function.Function<byte[], Vfs> resume;
    private final ExecutorService slow = Executors.newVirtualThreadPerTaskExecutor();
    /** Set by {@link #attach}: tells the kernel about other clients' changes. */
    private volatile KernelInvalidator invalidator;
    private volatile PageCachePusher pusher;
    /**
     * How long the kernel may cache names and attributes while other clients' changes are pushed
     * (ADR 0120); without pushes, or when a change arrived while a reply was being made, the session
     * default (1 s) applies.
     */
    static final long PUSHED_TIMEOUT_NANOS = 10_000_000_000L;
    /** The kernel left the umask to us (DONT_MASK): the server applies it unless a default ACL rules. */
    private volatile boolean serverUmask;

    public VfsFilesystem(Vfs vfs) {
        this.vfs = vfs;
        this.root = vfs.rootIno();
        this.resume = null;
    }

    /** A successor's filesystem: {@code resume} rebuilds the client from the predecessor's exported state. */
    public VfsFilesystem(java.util.function.Function<byte[], Vfs> resume) {
        this.resume = resume;
    }

    private long ino(long node) {
        return node == FUSE_ROOT ? root : node;
    }

    private Attr out(Attr a) {
        if (a.ino() != root) return a;
        return new Attr(FUSE_ROOT, a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), a.size(), a.atimeNs(), a.mtimeNs(), a.ctimeNs());
    }

    private long node(long ino) {
        return ino == root ? FUSE_ROOT : ino;
    }

    /**
     * Starts passing other clients' changes on to the kernel through {@code notifier}; call once the
     * session runs. A filesystem that took a mount over attaches again to the client it resumes.
     */
    public void attach(io.tarn.fuse.Notifier notifier) {
        Vfs v = vfs;
        PageCachePusher old = pusher;
        if (old != null) old.close();
        PageCachePusher p = v == null || !v.readAround() ? null : new PageCachePusher(notifier, v);
        KernelInvalidator k = new KernelInvalidator(notifier, this::node, p);
        invalidator = k;
        pusher = p;
        // Handles opened before (a mount taken over, or opens racing with this call) count as writers too;
        // one counted twice only keeps its file from being pushed.
        if (p != null) for (long openIno : v.inodesOpenForWriting()) p.addWriter(node(openIno));
        if (v != null) v.listen(k);
    }

    /** An entry reply; the kernel may keep it long only if no pushed change arrived since {@code stamp}. */
    private Entry entry(Attr a, long stamp) {
        Attr o = out(a);
        KernelInvalidator k = invalidator;
        if (k != null) k.served(o.ino());
        if (!vfs.changesPushed() || vfs.changeStamp() != stamp) return Entry.of(o);
        return new Entry(o, 0, PUSHED_TIMEOUT_NANOS, PUSHED_TIMEOUT_NANOS);
    }

    private Entry entry(long parent, String name, Attr a, long stamp) {
        KernelInvalidator k = invalidator;
        if (k != null) k.served(parent, name, node(a.ino()));
        return entry(a, stamp);
    }

    private Attributes attributes(Attr a, long stamp) {
        Attr o = out(a);
        if (!vfs.changesPushed() || vfs.changeStamp() != stamp) return Attributes.of(o);
        return new Attributes(o, PUSHED_TIMEOUT_NANOS);
    }

    /** Runs {@code work} on a virtual thread and replies with its result (or its errno). */
    private <T> void later(Request r, Supplier<T> work) {
        Deferred<T> d = r.defer();
        slow.execute(() -> {
            try {
                d.complete(work.get());
            } catch (Throwable t) {
                d.fail(t);
            }
        });
    }

    @Override
    public void init(Connection connection) {
        serverUmask = connection.has(Proto.DONT_MASK);
    }

    private int mode(int mode, int umask) {
        return serverUmask ? MetaService.withUmask(mode, umask) : mode;
    }

    @Override
    public void destroy() {
        PageCachePusher p = pusher;
        if (p != null) p.close();
        slow.close();
    }

    @Override
    public Entry lookup(Request r, long parent, String name) {
        long stamp = vfs.changeStamp();
        return entry(parent, name, vfs.lookup(r.caller(), ino(parent), name), stamp);
    }

    @Override
    public Attributes getattr(Request r, long ino, long fh) {
        long stamp = vfs.changeStamp();
        Attributes a = attributes(vfs.getattr(r.caller(), ino(ino)), stamp);
        KernelInvalidator k = invalidator;
        if (k != null) k.served(ino);
        return a;
    }

    @Override
    public Attributes setattr(Request r, long ino, SetAttr changes, long fh) {
        PageCachePusher p = changes.has(SetAttr.SIZE) ? pusher : null;
        return asWriter(r, ino, p, () -> setattrNow(r, ino, changes, p));
    }

    /**
     * Runs {@code change} of file {@code ino} counted as a writer of {@code p} (null: no read-around): now,
     * or, if a push of the file is under way, once it is done and off this worker (then null).
     */
    private <T> T asWriter(Request r, long ino, PageCachePusher p, Supplier<T> change) {
        if (p == null || !p.addWriter(ino)) return change.get();
        later(r, () -> {
            p.awaitNoPush(ino);
            return change.get();
        });
        return null;
    }

    private Attributes setattrNow(Request r, long ino, SetAttr changes, PageCachePusher writer) {
        long stamp = vfs.changeStamp();
        try {
            return attributes(vfs.setattr(r.caller(), ino(ino), changes), stamp);
        } finally {
            if (writer != null) writer.removeWriter(ino);
        }
    }

    @Override
    public String readlink(Request r, long ino) {
        return vfs.readlink(r.caller(), ino(ino));
    }

    @Override
    public Entry symlink(Request r, long parent, String name, String target) {
        long stamp = vfs.changeStamp();
        return entry(parent, name, vfs.symlink(r.caller(), ino(parent), name, target), stamp);
    }

    @Override
    public Entry mknod(Request r, long parent, String name, int mode, int rdev, int umask) {
        long stamp = vfs.changeStamp();
        return entry(parent, name, vfs.mknod(r.caller(), ino(parent), name, mode(mode, umask), rdev), stamp);
    }

    @Override
    public Entry mkdir(Request r, long parent, String name, int mode, int umask) {
        long stamp = vfs.changeStamp();
        return entry(parent, name, vfs.mkdir(r.caller(), ino(parent), name, mode(mode, umask)), stamp);
    }

    @Override
    public void unlink(Request r, long parent, String name) {
        vfs.unlink(r.caller(), ino(parent), name);
    }

    @Override
    public void rmdir(Request r, long parent, String name) {
        vfs.rmdir(r.caller(), ino(parent), name);
    }

    @Override
    public void rename(Request r, long parent, String name, long newParent, String newName, int flags) {
        vfs.rename(r.caller(), ino(parent), name, ino(newParent), newName, flags);
    }

    @Override
    public Entry link(Request r, long ino, long newParent, String newName) {
        long stamp = vfs.changeStamp();
        return entry(newParent, newName, vfs.link(r.caller(), ino(ino), ino(newParent), newName), stamp);
    }

    @Override
    public Opened open(Request r, long ino, int flags) {
        boolean writable = OpenFlags.writable(flags);
        PageCachePusher p = writable ? pusher : null;
        if (writable && p == null) {
            // Before attach (the first instants of a mount): attach counts the handles open when it looks,
            // and this one may be registered just after that. Counted again here once a pusher exists; one
            // counted twice only keeps its file from being pushed. ReadAroundMountTest saw a file open for
            // writing pushed when its open raced with attach.
            Opened o = openNow(r, ino, flags, null);
            PageCachePusher now = pusher;
            // A push of another handle's read may have started since attach: let it finish (bounded, rare).
            if (now != null && now.addWriter(ino)) now.awaitNoPush(ino);
            return o;
        }
        return asWriter(r, ino, p, () -> openNow(r, ino, flags, p));
    }

    /** {@code writer}: the pusher that counted this open as a writer, to uncount it if the open fails. */
    private Opened openNow(Request r, long ino, int flags, PageCachePusher writer) {
        long fh;
        try {
            fh = vfs.open(r.caller(), ino(ino), flags);
        } catch (RuntimeException e) {
            if (writer != null) writer.removeWriter(ino);
            throw e;
        }
        // No FOPEN_NOFLUSH even for read-only opens: the FLUSH of a close is what drops the closing
        // process's POSIX locks (ADR 0110); with nothing to commit and no lock held it costs no RPC.
        return new Opened(fh, vfs.keepCache(fh) ? Opened.KEEP_CACHE : 0);
    }

    @Override
    public Created create(Request r, long parent, String name, int mode, int umask, int flags) {
        long stamp = vfs.changeStamp();
        Vfs.Created c = vfs.create(r.caller(), ino(parent), name, mode(mode, umask), flags);
        // Counted after the create: a new inode has no push to wait for (an existing one reached by CREATE,
        // after a lookup that missed it, is the rare exception).
        PageCachePusher p = pusher;
        if (p != null && OpenFlags.writable(flags)) p.addWriter(node(c.attr().ino()));
        return new Created(entry(parent, name, c.attr(), stamp), Opened.of(c.fh()));
    }

    @Override
    public Data read(Request r, long ino, long fh, long offset, int size) {
        // Cached data is answered on the worker: a virtual thread and a deferred reply per READ cost more
        // than the copy (cached 4 KiB random reads: ADR 0070, Decision 7).
        ByteBuffer now = vfs.readIfCached(fh, offset, size);
        if (now != null) {
            PageCachePusher p = pusher;
            if (p != null) p.answered(ino, fh, offset, size);
            return Data.of(now);
        }
        later(r, () -> Data.of(vfs.read(fh, offset, size)));
        return null;
    }

    @Override
    public int write(Request r, long ino, long fh, long offset, MemorySegment data, int writeFlags) {
        // The segment lives in the request buffer; Vfs.write copies it into the file's block buffers.
        return vfs.write(fh, offset, data.asByteBuffer());
    }

    @Override
    public void flush(Request r, long ino, long fh, long lockOwner) {
        later(r, () -> {
            vfs.flush(fh, lockOwner);
            return null;
        });
    }

    @Override
    public FileLock getlk(Request r, long ino, long fh, long owner, FileLock lock) {
        // One in-memory look-up on the server: answered on this worker, like getattr.
        LockSpec held = vfs.getlk(r.caller(), ino(ino), fh, new LockSpec(LockSpec.POSIX, owner, lock.start(), lock.end(), lock.type(), lock.pid()));
        return held == null ? new FileLock(lock.start(), lock.end(), FileLock.UNLCK, 0)
                : new FileLock(held.start(), held.end(), held.type(), held.pid());
    }

    @Override
    public void setlk(Request r, long ino, long fh, long owner, FileLock lock, boolean wait, boolean flock) {
        // The kernel sends flock(2) as a whole-file lock whose owner is the open file.
        LockSpec spec = new LockSpec(flock ? LockSpec.FLOCK : LockSpec.POSIX, owner, lock.start(), lock.end(), lock.type(), lock.pid());
        var caller = r.caller();
        boolean mayWait = wait && lock.type() != FileLock.UNLCK;
        try {
            // First without waiting, answered on this worker like a metadata call: most locks are free.
            vfs.setlk(caller, ino(ino), fh, spec, 0);
            return;
        } catch (FsException e) {
            if (!mayWait || e.errno() != Errno.EAGAIN) throw e;
        }
        long waitId = vfs.newLockWait();
        // A signal to the waiting program arrives as INTERRUPT: cancel on the server, and the wait ends in EINTR.
        r.onInterrupt(() -> slow.execute(() -> vfs.cancelLockWait(caller, waitId)));
        later(r, () -> {
            vfs.setlk(caller, ino(ino), fh, spec, waitId);
            return null;
        });
    }

    @Override
    public void fsync(Request r, long ino, long fh, boolean dataOnly) {
        later(r, () -> {
            vfs.fsync(fh, dataOnly);
            return null;
        });
    }

    @Override
    public void release(Request r, long ino, long fh, int flags) {
        later(r, () -> {
            try {
                vfs.release(fh);
            } finally {
                PageCachePusher p = pusher;
                if (p != null && OpenFlags.writable(flags)) p.removeWriter(ino);
            }
            return null;
        });
    }

    @Override
    public void fallocate(Request r, long ino, long fh, int mode, long offset, long length) {
        later(r, () -> {
            vfs.fallocate(fh, mode, offset, length);
            return null;
        });
    }

    @Override
    public long lseek(Request r, long ino, long fh, long offset, int whence) {
        later(r, () -> vfs.lseek(fh, offset, whence));
        return 0;
    }

    @Override
    public long copyFileRange(Request r, long inoIn, long fhIn, long offIn, long inoOut, long fhOut,
                              long offOut, long length, int flags) {
        later(r, () -> vfs.copyFileRange(fhIn, offIn, fhOut, offOut, length, flags));
        return 0;
    }

    @Override
    public Opened opendir(Request r, long ino, int flags) {
        return Opened.of(vfs.opendir(r.caller(), ino(ino)));
    }

    @Override
    public void readdir(Request r, long ino, long fh, long offset, DirSink sink) {
        fill(ino, fh, offset, sink, false);
    }

    @Override
    public void readdirplus(Request r, long ino, long fh, long offset, DirSink sink) {
        fill(ino, fh, offset, sink, true);
    }

    private void fill(long dir, long fh, long offset, DirSink sink, boolean plus) {
        // Ask for a modest page; entries that do not fit are asked for again from their offset.
        long stamp = vfs.changeStamp();
        List<Vfs.DirItem> items = vfs.readdir(fh, offset, 256, plus);
        for (Vfs.DirItem it : items) {
            boolean added;
            if (plus && it.attr() != null && !it.name().equals(".") && !it.name().equals("..")) {
                added = sink.add(it.name(), entry(dir, it.name(), it.attr(), stamp), it.nextOffset());
            } else {
                added = sink.add(it.name(), node(it.ino()), it.type(), it.nextOffset());
            }
            if (!added) return;
        }
    }

    @Override
    public void releasedir(Request r, long ino, long fh) {
        vfs.releasedir(fh);
    }

    @Override
    public void fsyncdir(Request r, long ino, long fh, boolean dataOnly) {
        // Every metadata mutation is already durable when it returns.
    }

    @Override
    public FsStats statfs(Request r, long ino) {
        StatFs s = vfs.statfs(r.caller());
        return stats(s, vfs.blockSize());
    }

    /** Sizes the volume's block size is the size to do I/O in; df counts in 4 KiB units so a quota shows exactly. */
    static final int STATFS_UNIT = 4096;

    /**
     * statfs of a volume: with a quota, the quota is the size and what is left of it is free (never below 0);
     * without one a large capacity, as object stores have no fixed size (ADR 0133). Same for inodes.
     */
    static FsStats stats(StatFs s, long bsize) {
        long totalBytes = s.quotaBytes() > 0 ? s.quotaBytes() : 1L << 50;
        long files = s.quotaInodes() > 0 ? s.quotaInodes() : 1L << 40;
        long blocks = totalBytes / STATFS_UNIT;
        long used = (s.usedBytes() + STATFS_UNIT - 1) / STATFS_UNIT;
        long free = Math.max(0, blocks - used);
        return new FsStats(blocks, free, free, files, Math.max(0, files - s.usedInodes()), (int) bsize, NAME_MAX, STATFS_UNIT);
    }

    @Override
    public void setxattr(Request r, long ino, String name, byte[] value, int flags) {
        vfs.setxattr(r.caller(), ino(ino), name, value, flags);
    }

    @Override
    public byte[] getxattr(Request r, long ino, String name) {
        return vfs.getxattr(r.caller(), ino(ino), name);
    }

    @Override
    public List<String> listxattr(Request r, long ino) {
        return vfs.listxattr(r.caller(), ino(ino));
    }

    @Override
    public void removexattr(Request r, long ino, String name) {
        vfs.removexattr(r.caller(), ino(ino), name);
    }

    @Override
    public void access(Request r, long ino, int mask) {
        vfs.access(r.caller(), ino(ino), mask);
    }

    @Override
    public byte[] exportState() {
        if (vfs instanceof io.tarn.client.TarnVfs t) return t.exportState();
        throw new UnsupportedOperationException(vfs.getClass().getName() + " cannot hand off its state");
    }

    @Override
    public void importState(byte[] state) {
        if (resume == null) throw new UnsupportedOperationException("this filesystem was not built to take a mount over");
        Vfs v = resume.apply(state);
        root = v.rootIno();
        vfs = v;
        KernelInvalidator k = invalidator;
        if (k != null) v.listen(k);
    }

    /** The client served, once there is one (after importState in a successor). */
    public Vfs vfs() {
        return vfs;
    }
}
