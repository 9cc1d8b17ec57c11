package io.tarn.testkit.memfs;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;
import io.tarn.fuse.Attributes;
import io.tarn.fuse.Created;
import io.tarn.fuse.Data;
import io.tarn.fuse.DirSink;
import io.tarn.fuse.Entry;
import io.tarn.fuse.FsStats;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.Notifier;
import io.tarn.fuse.Opened;
import io.tarn.fuse.Request;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A complete POSIX-ish filesystem in memory, served through {@link io.tarn.fuse.FuseSession}:
 * files (data off-heap, sparse), directories, symlinks, hard links, xattrs, rename, truncate.
 * Permission checks are the kernel's (mount with default_permissions) or, with {@code ownChecks}, its
 * own ({@link MemPermissions}: for mounts without default_permissions, where the kernel leaves them to
 * the filesystem). It can hand its whole state to a successor process. For tests and benchmarks of the
 * transport; not durable.
 */
public final class MemoryFilesystem implements FuseFilesystem {
    private static final int O_ACCMODE = 3, O_TRUNC = 01000, O_EXCL = 0200;
    private static final int XATTR_CREATE = 1, XATTR_REPLACE = 2, RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;

    final Map<Long, MemNode> nodes = new ConcurrentHashMap<>();
    final Map<Long, MemNode> handles = new ConcurrentHashMap<>();
    final AtomicLong nextIno = new AtomicLong(2), nextFh = new AtomicLong(1);
    private final ReentrantLock ns = new ReentrantLock();
    private final int openFlags;
    private final boolean ownChecks;
    private volatile Notifier notifier;
    private final ChunkPool pool = new ChunkPool(1024);
    /** Largest WRITE and READ the kernel sent, and how many WRITEs of at least 1 MiB: what the transport negotiated shows here. */
    public final AtomicLong maxWrite = new AtomicLong(), maxRead = new AtomicLong();
    public final LongAdder bigWrites = new LongAdder(), reads = new LongAdder();
    /** WRITEs whose data buffer became a chunk without a copy. */
    public final LongAdder adoptedWrites = new LongAdder();

    /**
     * @param openFlags FOPEN flags for every open file, e.g. {@link Opened#KEEP_CACHE} or {@link Opened#DIRECT_IO}
     * @param ownChecks check permissions here (mounts without default_permissions), or leave them to the kernel
     */
    public MemoryFilesystem(int openFlags, boolean ownChecks) {
        this.openFlags = openFlags;
        this.ownChecks = ownChecks;
        // Owned by whoever runs the daemon, as libfuse's examples do: an ordinary user's mount is theirs.
        MemNode root = new MemNode(1, Attr.S_IFDIR | 0755, owner("unix:uid"), owner("unix:gid"), now());
        root.pool = pool;
        root.parent = 1;
        nodes.put(1L, root);
    }

    private static int owner(String attribute) {
        try {
            return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), attribute);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Permission checks left to the kernel (default_permissions). */
    public MemoryFilesystem(int openFlags) {
        this(openFlags, false);
    }

    public MemoryFilesystem() {
        this(Opened.KEEP_CACHE);
    }

    /**
     * Lets the filesystem tell the kernel when attributes it caches change behind its back: a write that
     * clears set-user-id (the kernel keeps the mode it had until its attribute timeout otherwise).
     */
    public void notifyThrough(Notifier n) {
        this.notifier = n;
    }

    /** The caller whose permissions this filesystem checks, or null when the kernel checks them. */
    private Caller checked(Request r) {
        return ownChecks ? r.caller() : null;
    }

    static long now() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    ChunkPool pool() {
        return pool;
    }

    MemNode node(long ino) {
        MemNode n = nodes.get(ino);
        if (n == null) throw new FsException(Errno.ESTALE, null);
        return n;
    }

    private MemNode dir(long ino) {
        MemNode n = node(ino);
        if (!n.isDir()) throw new FsException(Errno.ENOTDIR, null);
        return n;
    }

    private static void checkName(String name) {
        if (name.length() > 255) throw new FsException(Errno.ENAMETOOLONG, null);
    }

    private Entry entry(MemNode n) {
        n.lookups.incrementAndGet();
        return Entry.of(n.attr());
    }

    /** Frees a node nobody can reach any more: no names, no kernel references, no open handles. */
    private void maybeFree(MemNode n) {
        synchronized (n) {
            if (n.nlink > 0 || n.lookups.get() > 0 || n.opens > 0 || n.ino == 1) return;
        }
        if (nodes.remove(n.ino, n)) {
            n.data.writeLock().lock();
            try {
                n.release();
            } finally {
                n.data.writeLock().unlock();
            }
        }
    }

    @Override
    public Entry lookup(Request r, long parent, String name) {
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode p = dir(parent);
            if (c != null) MemPermissions.search(c, p);
            MemNode.Dent d = p.byName.get(name);
            if (d == null) throw new FsException(Errno.ENOENT, null);
            return entry(node(d.ino()));
        } finally {
            ns.unlock();
        }
    }

    @Override
    public void forget(long ino, long nlookup) {
        MemNode n = nodes.get(ino);
        if (n == null) return;
        n.lookups.addAndGet(-nlookup);
        maybeFree(n);
    }

    @Override
    public Attributes getattr(Request r, long ino, long fh) {
        return Attributes.of(node(ino).attr());
    }

    @Override
    public Attributes setattr(Request r, long ino, SetAttr c, long fh) {
        MemNode n = node(ino);
        long t = now();
        Caller who = checked(r);
        if (who != null) MemPermissions.setattr(who, n, c, fh != -1);
        // handle_killpriv_v2 leaves clearing set-id bits on chown and unprivileged truncate to us.
        boolean kill = c.has(SetAttr.KILL_SUIDGID) || c.has(SetAttr.UID) || c.has(SetAttr.GID);
        Caller caller = who != null ? who : kill || c.has(SetAttr.MODE) ? r.caller() : null;
        boolean keepSgid = kill && MemPermissions.inGroupOrRoot(caller, n);
        if (c.has(SetAttr.SIZE)) {
            if (n.isDir()) throw new FsException(Errno.EISDIR, null);
            n.data.writeLock().lock();
            try {
                n.truncate(c.size());
            } finally {
                n.data.writeLock().unlock();
            }
            synchronized (n) {
                n.mtimeNs = t;
            }
        }
        synchronized (n) {
            if (c.has(SetAttr.MODE)) n.mode = (n.mode & Attr.S_IFMT) | (MemPermissions.chmodMode(caller, n, c.mode()) & 07777);
            if (kill) n.mode = MemPermissions.killPriv(n.mode, keepSgid);
            if (c.has(SetAttr.UID)) n.uid = c.uid();
            if (c.has(SetAttr.GID)) n.gid = c.gid();
            if (c.has(SetAttr.ATIME)) n.atimeNs = c.atimeNs();
            if (c.has(SetAttr.ATIME_NOW)) n.atimeNs = t;
            if (c.has(SetAttr.MTIME)) n.mtimeNs = c.mtimeNs();
            if (c.has(SetAttr.MTIME_NOW)) n.mtimeNs = t;
            if (kill) n.xattrs.remove("security.capability");
            n.ctimeNs = c.has(SetAttr.CTIME) ? c.ctimeNs() : t;
        }
        return Attributes.of(n.attr());
    }

    @Override
    public String readlink(Request r, long ino) {
        MemNode n = node(ino);
        if (n.target == null) throw new FsException(Errno.EINVAL, null);
        return n.target;
    }

    private MemNode make(Request r, long parent, String name, int mode, int rdev, String target) {
        checkName(name);
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode p = dir(parent);
            if (c != null) MemPermissions.search(c, p);
            if (p.byName.containsKey(name)) throw new FsException(Errno.EEXIST, null);
            if (c != null) MemPermissions.modifyDir(c, p);
            long t = now();
            int gid = (p.mode & Attr.S_ISGID) != 0 ? p.gid : r.gid();
            if ((mode & Attr.S_IFMT) == Attr.S_IFDIR && (p.mode & Attr.S_ISGID) != 0) mode |= Attr.S_ISGID;
            MemNode n = new MemNode(nextIno.getAndIncrement(), mode, r.uid(), gid, t);
            n.pool = pool;
            n.rdev = rdev;
            n.target = target;
            n.parent = parent;
            nodes.put(n.ino, n);
            p.addEntry(name, n.ino);
            synchronized (p) {
                if (n.isDir()) p.nlink++;
                p.mtimeNs = p.ctimeNs = t;
            }
            return n;
        } finally {
            ns.unlock();
        }
    }

    @Override
    public Entry symlink(Request r, long parent, String name, String target) {
        return entry(make(r, parent, name, Attr.S_IFLNK | 0777, 0, target));
    }

    @Override
    public Entry mknod(Request r, long parent, String name, int mode, int rdev, int umask) {
        return entry(make(r, parent, name, mode, rdev, null));
    }

    @Override
    public Entry mkdir(Request r, long parent, String name, int mode, int umask) {
        return entry(make(r, parent, name, Attr.S_IFDIR | (mode & 07777), 0, null));
    }

    @Override
    public Created create(Request r, long parent, String name, int mode, int umask, int flags) {
        MemNode n;
        try {
            n = make(r, parent, name, Attr.S_IFREG | (mode & 07777), 0, null);
        } catch (FsException e) {
            if (e.errno() != Errno.EEXIST || (flags & O_EXCL) != 0) throw e;
            Entry existing = lookup(r, parent, name);
            return new Created(existing, open(r, existing.nodeId(), flags));
        }
        Entry e = entry(n);
        // Whoever creates a file opens it as asked, whatever mode it was given.
        return new Created(e, openNode(n, flags & ~O_TRUNC));
    }

    @Override
    public void unlink(Request r, long parent, String name) {
        MemNode gone;
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode p = dir(parent);
            if (c != null) MemPermissions.search(c, p);
            MemNode.Dent d = p.byName.get(name);
            if (d == null) throw new FsException(Errno.ENOENT, null);
            gone = node(d.ino());
            if (c != null) {
                MemPermissions.modifyDir(c, p);
                MemPermissions.sticky(c, p, gone);
            }
            if (gone.isDir()) throw new FsException(Errno.EISDIR, null);
            p.removeEntry(name);
            long t = now();
            synchronized (p) {
                p.mtimeNs = p.ctimeNs = t;
            }
            synchronized (gone) {
                gone.nlink--;
                gone.ctimeNs = t;
            }
        } finally {
            ns.unlock();
        }
        maybeFree(gone);
    }

    @Override
    public void rmdir(Request r, long parent, String name) {
        MemNode gone;
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode p = dir(parent);
            if (c != null) MemPermissions.search(c, p);
            MemNode.Dent d = p.byName.get(name);
            if (d == null) throw new FsException(Errno.ENOENT, null);
            gone = node(d.ino());
            if (c != null) {
                MemPermissions.modifyDir(c, p);
                MemPermissions.sticky(c, p, gone);
            }
            if (!gone.isDir()) throw new FsException(Errno.ENOTDIR, null);
            if (!gone.byName.isEmpty()) throw new FsException(Errno.ENOTEMPTY, null);
            p.removeEntry(name);
            synchronized (p) {
                p.nlink--;
                p.mtimeNs = p.ctimeNs = now();
            }
            synchronized (gone) {
                gone.nlink = 0;
            }
        } finally {
            ns.unlock();
        }
        maybeFree(gone);
    }

    @Override
    public void rename(Request r, long parent, String name, long newParent, String newName, int flags) {
        checkName(newName);
        MemNode replaced = null;
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode from = dir(parent), to = dir(newParent);
            if (c != null) {
                MemPermissions.search(c, from);
                MemPermissions.search(c, to);
            }
            MemNode.Dent d = from.byName.get(name);
            if (d == null) throw new FsException(Errno.ENOENT, null);
            MemNode moving = node(d.ino());
            MemNode.Dent over = to.byName.get(newName);
            if (c != null) renameAllowed(c, from, moving, to, over == null ? null : node(over.ino()), flags);
            if (over != null && over.ino() == d.ino()) return;
            if ((flags & RENAME_NOREPLACE) != 0 && over != null) throw new FsException(Errno.EEXIST, null);
            if ((flags & RENAME_EXCHANGE) != 0) {
                if (over == null) throw new FsException(Errno.ENOENT, null);
                from.removeEntry(name);
                to.removeEntry(newName);
                from.addEntry(name, over.ino());
                to.addEntry(newName, d.ino());
                return;
            }
            if (flags != 0 && (flags & ~RENAME_NOREPLACE) != 0) throw new FsException(Errno.EINVAL, null);
            if (moving.isDir()) {
                for (long a = newParent; a != 1; a = node(a).parent) {
                    if (a == moving.ino) throw new FsException(Errno.EINVAL, null);
                }
            }
            if (over != null) {
                replaced = node(over.ino());
                if (replaced.isDir() != moving.isDir()) {
                    throw new FsException(replaced.isDir() ? Errno.EISDIR : Errno.ENOTDIR, null);
                }
                if (replaced.isDir() && !replaced.byName.isEmpty()) throw new FsException(Errno.ENOTEMPTY, null);
                to.removeEntry(newName);
                synchronized (replaced) {
                    replaced.nlink = replaced.isDir() ? 0 : replaced.nlink - 1;
                }
                if (replaced.isDir()) {
                    synchronized (to) {
                        to.nlink--;
                    }
                }
            }
            from.removeEntry(name);
            to.addEntry(newName, moving.ino);
            long t = now();
            if (moving.isDir() && from != to) {
                moving.parent = newParent;
                synchronized (from) {
                    from.nlink--;
                }
                synchronized (to) {
                    to.nlink++;
                }
            }
            synchronized (from) {
                from.mtimeNs = from.ctimeNs = t;
            }
            synchronized (to) {
                to.mtimeNs = to.ctimeNs = t;
            }
            synchronized (moving) {
                moving.ctimeNs = t;
            }
        } finally {
            ns.unlock();
        }
        if (replaced != null) maybeFree(replaced);
    }

    @Override
    public Entry link(Request r, long ino, long newParent, String newName) {
        checkName(newName);
        Caller c = checked(r);
        ns.lock();
        try {
            MemNode n = node(ino), p = dir(newParent);
            if (c != null) MemPermissions.search(c, p);
            if (n.isDir()) throw new FsException(Errno.EPERM, null);
            if (p.byName.containsKey(newName)) throw new FsException(Errno.EEXIST, null);
            if (c != null) MemPermissions.modifyDir(c, p);
            p.addEntry(newName, ino);
            long t = now();
            synchronized (n) {
                n.nlink++;
                n.ctimeNs = t;
            }
            synchronized (p) {
                p.mtimeNs = p.ctimeNs = t;
            }
            return entry(n);
        } finally {
            ns.unlock();
        }
    }

    @Override
    public Opened open(Request r, long ino, int flags) {
        MemNode n = node(ino);
        if (n.isDir()) throw new FsException(Errno.EISDIR, null);
        Caller c = checked(r);
        if (c != null) MemPermissions.check(c, n, MemPermissions.openMask(flags));
        return openNode(n, flags);
    }

    private Opened openNode(MemNode n, int flags) {
        if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != 0) {
            n.data.writeLock().lock();
            try {
                n.truncate(0);
            } finally {
                n.data.writeLock().unlock();
            }
            synchronized (n) {
                n.mtimeNs = n.ctimeNs = now();
            }
        }
        synchronized (n) {
            n.opens++;
        }
        long fh = nextFh.getAndIncrement();
        handles.put(fh, n);
        return new Opened(fh, openFlags);
    }

    private MemNode handle(long fh) {
        MemNode n = handles.get(fh);
        if (n == null) throw new FsException(Errno.EBADF, null);
        return n;
    }

    @Override
    public Data read(Request r, long ino, long fh, long offset, int size) {
        MemNode n = handle(fh);
        reads.increment();
        maxRead.accumulateAndGet(size, Math::max);
        n.data.readLock().lock();
        try {
            return n.read(offset, size);
        } finally {
            n.data.readLock().unlock();
        }
    }

    @Override
    public int write(Request r, long ino, long fh, long offset, MemorySegment data, int writeFlags) {
        MemNode n = handle(fh);
        long len = data.byteSize();
        maxWrite.accumulateAndGet(len, Math::max);
        if (len >= MemNode.CHUNK) bigWrites.increment();
        n.data.writeLock().lock();
        try {
            // A whole aligned chunk (fio's and cp's 1 MiB writes) is taken over, not copied.
            if (len == MemNode.CHUNK && offset % MemNode.CHUNK == 0 && n.adopt((int) (offset / MemNode.CHUNK), r)) {
                adoptedWrites.increment();
            } else {
                n.write(offset, data);
            }
        } finally {
            n.data.writeLock().unlock();
        }
        long t = now();
        boolean modeChanged = false;
        synchronized (n) {
            n.mtimeNs = n.ctimeNs = t;
            // FUSE_WRITE_KILL_SUIDGID (handle_killpriv_v2): the kernel leaves this to us.
            if ((writeFlags & 4) != 0 && (n.mode & (Attr.S_ISUID | Attr.S_ISGID)) != 0) {
                int was = n.mode;
                n.mode = MemPermissions.killPriv(n.mode, (n.mode & 0010) != 0 || MemPermissions.inGroupOrRoot(r.caller(), n));
                n.xattrs.remove("security.capability");
                modeChanged = n.mode != was;
            }
        }
        Notifier tell = notifier;
        if (modeChanged && tell != null) tell.invalidateInode(ino, -1, 0); // attributes only
        return (int) len;
    }

    @Override
    public FsStats statfs(Request r, long ino) {
        long total = 1L << 28; // 1 TiB in 4 KiB blocks: the bytes are only bounded by RAM
        return new FsStats(total, total, total, 1L << 32, (1L << 32) - nodes.size(), 4096, 255, 4096);
    }

    @Override
    public void release(Request r, long ino, long fh, int flags) {
        MemNode n = handles.remove(fh);
        if (n == null) return;
        synchronized (n) {
            n.opens--;
        }
        maybeFree(n);
    }

    @Override
    public void flush(Request r, long ino, long fh, long lockOwner) {}

    @Override
    public void fsync(Request r, long ino, long fh, boolean dataOnly) {}

    @Override
    public void fsyncdir(Request r, long ino, long fh, boolean dataOnly) {}

    @Override
    public void setxattr(Request r, long ino, String name, byte[] value, int flags) {
        MemNode n = node(ino);
        xattrAccess(r, n, name, MemPermissions.W_OK);
        synchronized (n) {
            boolean exists = n.xattrs.containsKey(name);
            if ((flags & XATTR_CREATE) != 0 && exists) throw new FsException(Errno.EEXIST, null);
            if ((flags & XATTR_REPLACE) != 0 && !exists) throw new FsException(Errno.ENODATA, null);
            n.xattrs.put(name, value.clone());
            n.ctimeNs = now();
        }
    }

    @Override
    public byte[] getxattr(Request r, long ino, String name) {
        MemNode n = node(ino);
        xattrAccess(r, n, name, MemPermissions.R_OK);
        synchronized (n) {
            byte[] v = n.xattrs.get(name);
            if (v == null) throw new FsException(Errno.ENODATA, null);
            return v;
        }
    }

    @Override
    public List<String> listxattr(Request r, long ino) {
        MemNode n = node(ino);
        synchronized (n) {
            return new ArrayList<>(n.xattrs.keySet());
        }
    }

    @Override
    public void removexattr(Request r, long ino, String name) {
        MemNode n = node(ino);
        xattrAccess(r, n, name, MemPermissions.W_OK);
        synchronized (n) {
            if (n.xattrs.remove(name) == null) throw new FsException(Errno.ENODATA, null);
            n.ctimeNs = now();
        }
    }

    @Override
    public Opened opendir(Request r, long ino, int flags) {
        MemNode d = dir(ino);
        Caller c = checked(r);
        if (c != null) MemPermissions.check(c, d, MemPermissions.openMask(flags));
        return Opened.of(0);
    }

    /** access(2) and chdir: sent only without default_permissions, so always this filesystem's check. */
    @Override
    public void access(Request r, long ino, int mask) {
        MemNode n = node(ino);
        if (ownChecks) MemPermissions.check(r.caller(), n, mask);
    }

    @Override
    public void readdir(Request r, long ino, long fh, long offset, DirSink sink) {
        ns.lock();
        try {
            MemNode d = dir(ino);
            if (offset < 1 && !sink.add(".", ino, Attr.S_IFDIR, 1)) return;
            if (offset < 2 && !sink.add("..", d.parent, Attr.S_IFDIR, 2)) return;
            for (MemNode.Dent e : d.byCookie.tailMap(offset, false).values()) {
                MemNode n = nodes.get(e.ino());
                if (n == null) continue;
                boolean added;
                if (sink.plus()) {
                    added = sink.add(e.name(), Entry.of(n.attr()), e.cookie());
                    if (added) n.lookups.incrementAndGet();
                } else {
                    added = sink.add(e.name(), e.ino(), n.mode & Attr.S_IFMT, e.cookie());
                }
                if (!added) return;
            }
        } finally {
            ns.unlock();
        }
    }

    @Override
    public void readdirplus(Request r, long ino, long fh, long offset, DirSink sink) {
        readdir(r, ino, fh, offset, sink);
    }

    @Override
    public void releasedir(Request r, long ino, long fh) {}

    @Override
    public void fallocate(Request r, long ino, long fh, int mode, long offset, long length) {
        if (mode != 0) throw new FsException(Errno.ENOTSUP, null);
        MemNode n = handle(fh);
        n.data.writeLock().lock();
        try {
            if (offset + length > n.size) n.truncate(offset + length);
        } finally {
            n.data.writeLock().unlock();
        }
    }

    @Override
    public long lseek(Request r, long ino, long fh, long offset, int whence) {
        MemNode n = handle(fh);
        n.data.readLock().lock();
        try {
            if (offset >= n.size) throw new FsException(Errno.ENXIO, null);
            return whence == 3 ? offset : n.size; // SEEK_DATA: all data; SEEK_HOLE: the end
        } finally {
            n.data.readLock().unlock();
        }
    }

    /**
     * Rename's permission rules: write and search on both directories, the sticky rule for the name moved
     * and the one replaced, and write on a directory that changes parent (its ".." changes).
     */
    private static void renameAllowed(Caller c, MemNode from, MemNode moving, MemNode to, MemNode replaced, int flags) {
        MemPermissions.modifyDir(c, from);
        MemPermissions.modifyDir(c, to);
        MemPermissions.sticky(c, from, moving);
        if (replaced != null) MemPermissions.sticky(c, to, replaced);
        if (from != to) {
            if (moving.isDir()) MemPermissions.check(c, moving, MemPermissions.W_OK);
            if ((flags & RENAME_EXCHANGE) != 0 && replaced != null && replaced.isDir()) {
                MemPermissions.check(c, replaced, MemPermissions.W_OK);
            }
        }
    }

    /**
     * The inode permission part of an xattr call (the VFS refuses trusted.* and user.* on special files
     * itself): user.* needs read or write permission on the inode.
     */
    private void xattrAccess(Request r, MemNode n, String name, int mask) {
        if (ownChecks && name.startsWith("user.")) MemPermissions.check(r.caller(), n, mask);
    }

    @Override
    public byte[] exportState() {
        return MemState.export(this);
    }

    @Override
    public void importState(byte[] state) {
        MemState.load(this, state);
    }
}
