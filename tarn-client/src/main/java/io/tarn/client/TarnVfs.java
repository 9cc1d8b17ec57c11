package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.ObjectStore;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeInfo;
import io.tarn.client.block.BlockCodec;
import io.tarn.client.block.BlockKeys;
import io.tarn.client.block.BlockStore;
import io.tarn.client.block.Compression;
import io.tarn.client.crypt.EncryptedNames;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.NameCipher;
import io.tarn.client.crypt.VolumeKeys;
import io.tarn.client.file.BlockIds;
import io.tarn.client.file.OpenFile;
import io.tarn.client.file.WriteBudget;
import io.tarn.objectstore.ObjectStores;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Vfs} over a {@link MetaService} session and a {@link BlockStore}. Namespace operations go
 * straight to the metadata server (nothing about names is cached, so nothing is stale); file data
 * goes through one {@link OpenFile} per inode open here, shared by its handles.
 */
public final class TarnVfs implements Vfs {
    private static final System.Logger LOG = System.getLogger(TarnVfs.class.getName());
    /** How long an unmount waits for staged blocks to reach the store; the rest upload at the next mount. */
    private static final java.time.Duration WRITE_BACK_DRAIN = java.time.Duration.ofMinutes(5);

    private final MetaService meta;
    private final ObjectStore ownedStore;
    private final VolumeInfo volume;
    private final long session;
    /** Set once {@link #exportState} handed the session to a successor: {@link #close} then leaves it open. */
    private volatile boolean exported;
    private final BlockStore blocks;
    /** The disk cache in front of the store, or null; it does not own the store (close leaves that to its owner). */
    private final io.tarn.client.block.DiskCachedObjectStore diskCache;
    /** Write-back staging above the store (and the disk cache), or null when the mount did not ask for it. */
    private final io.tarn.objectstore.writeback.WriteBackObjectStore writeBack;
    private final WriteBudget budget;
    private final io.tarn.client.file.QuotaGauge quota;
    private final BlockIds ids;
    private final ClientConfig config;
    /** Increasing within the session, as at-most-once retries need (ADR 0022); starts at the clock like the RPC client's. */
    private final AtomicLong requestIds = new AtomicLong(System.currentTimeMillis() << 20);
    private final AtomicLong handleIds = new AtomicLong();
    private final Map<Long, FileHandle> handles = new ConcurrentHashMap<>();
    private final Map<Long, DirCursor> dirs = new ConcurrentHashMap<>();
    private final Map<Long, Shared> files = new HashMap<>();
    private final Thread heartbeat;
    private final ClientLocks locks;
    /** Other clients' changes, pushed by the server (ADR 0120). */
    private final ChangeFollower follower;
    /**
     * Inodes known to have no extended attribute at all, learned with directory listings while changes
     * are pushed (a push of an xattr change removes one): their getxattr is answered here (issue 6).
     */
    private final java.util.Set<Long> noXattrs = ConcurrentHashMap.newKeySet();
    private static final int MAX_NO_XATTRS = 1 << 20;
    private volatile boolean xattrHoldersKnown = true;
    /** Counts this client's own namespace changes: a directory listing kept from before one is not reused. */
    private final AtomicLong ownChanges = new AtomicLong();
    /** Attributes a lock grant told the kernel about, by inode (revalidateLocked). */
    private final Map<Long, Attr> lockTold = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per inode, the size and mtime of the data this client last saw: an open finding the same keeps the kernel's pages. */
    private final Map<Long, Long> seenVersions = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > 100_000;
        }
    });

    private static final class FileHandle {
        final long ino;
        final int type;
        final int flags;
        final Caller caller;
        final OpenFile file;
        volatile long lastReadEnd;
        /** The access time this handle last saw or set, for the relatime decision without a server call. */
        volatile long atimeNs, mtimeNs, ctimeNs, atimeSetAtNs;
        boolean keepCache;
        /** Read-ahead state of a sequential reader: window in blocks, first block not yet asked for, last block entered. */
        int window;
        long prefetchedTo, lastBlockSeen;
        /** Reads in a row that landed near the previous ones; whether there was a read at all. */
        volatile int nearRun;
        volatile boolean readBefore;

        FileHandle(long ino, int type, int flags, Caller caller, OpenFile file) {
            this.ino = ino;
            this.type = type;
            this.flags = flags;
            this.caller = caller;
            this.file = file;
        }
    }

    private static final class Shared {
        final OpenFile file;
        int handles;

        Shared(OpenFile file) {
            this.file = file;
        }
    }

    /**
     * A client of volume {@code volumeName} whose blocks live in {@code store}, which is rooted where the
     * volume's store URI points (so block keys start with the volume uuid). The caller keeps ownership of
     * {@code meta} and {@code store}. Opens a metadata session; {@link #close} ends it. An encrypted volume
     * is refused (EACCES): it needs the constructor with a {@link KeySource}.
     */
    public TarnVfs(MetaService meta, ObjectStore store, String volumeName, ClientConfig config) {
        this(meta, store, volumeName, config, null);
    }

    /**
     * A client of a volume that may be encrypted (ADR 0091): {@code keys} gives the newest key generation
     * of an encrypted volume (null for an unencrypted one). A missing or wrong key is refused with EACCES,
     * a key for an unencrypted volume with EINVAL, before a session is opened or any object is touched.
     */
    public TarnVfs(MetaService meta, ObjectStore store, String volumeName, ClientConfig config, KeySource keys) {
        this(meta, store, false, volumeName, config, VolumeKeys.unlock(meta.volume(volumeName), keys));
    }

    /** A client that opens the object store its volume names (and closes it on {@link #close}). */
    public static TarnVfs open(MetaService meta, String volumeName, ClientConfig config) {
        return open(meta, volumeName, config, null);
    }

    /** As {@link #open(MetaService, String, ClientConfig)}, for a volume that may be encrypted. */
    public static TarnVfs open(MetaService meta, String volumeName, ClientConfig config, KeySource keys) {
        VolumeInfo v = meta.volume(volumeName);
        VolumeKeys unlocked = VolumeKeys.unlock(v, keys); // before the store is opened: a wrong key touches nothing
        return new TarnVfs(meta, ObjectStores.open(v.storeUri()), true, volumeName, config, unlocked);
    }

    private TarnVfs(MetaService meta, ObjectStore store, boolean ownsStore, String volumeName, ClientConfig config, VolumeKeys keys) {
        this(meta, store, ownsStore, meta.openSession(volumeName, "tarn-client@" + ProcessHandle.current().pid()), config, true, keys);
    }

    private TarnVfs(MetaService meta, ObjectStore store, boolean ownsStore, SessionInfo s, ClientConfig config, boolean fresh,
                    VolumeKeys keys) {
        this.ownedStore = ownsStore ? store : null;
        this.config = config;
        this.session = s.session();
        this.volume = s.volume();
        BlockCodec codec;
        NameCipher names = null;
        try {
            if (volume.encryption().enabled() && (keys == null || !keys.volume().uuid().equals(volume.uuid())))
                throw FsException.of(Errno.EACCES, "volume %s is encrypted: its key is needed", volume.name());
            if (keys != null) names = keys.names();
            codec = new BlockCodec(Compression.parse(volume.compression()), keys == null ? null : keys.blockCipher());
        } catch (RuntimeException e) {
            if (fresh) meta.closeSession(session);
            throw e;
        }
        this.meta = names == null ? meta : new EncryptedNames(meta, names);
        ClientConfig.DiskCache dc = config.diskCache();
        if (dc.dir() != null && dc.maxBytes() > 0) {
            // One directory per volume: block keys are unique within a volume only.
            diskCache = new io.tarn.client.block.DiskCachedObjectStore(store, dc.dir().resolve(volume.uuid()), dc.maxBytes(), dc.freeFloorBytes());
            store = diskCache;
        } else {
            diskCache = null;
        }
        if (dc.writeBack() && dc.dir() != null) {
            try {
                // Beside the cache directory, not in it: the cache drops every file it does not know at start.
                writeBack = new io.tarn.objectstore.writeback.WriteBackObjectStore(store, dc.dir().resolve(volume.uuid() + ".writeback"),
                        dc.writeBackBytes(), dc.freeFloorBytes(), config.uploadConcurrency(), WRITE_BACK_DRAIN);
            } catch (java.io.IOException e) {
                if (fresh) meta.closeSession(session);
                throw FsException.of(Errno.EIO, "write-back directory under %s unusable: %s", dc.dir(), e.toString());
            }
            store = writeBack;
        } else {
            writeBack = null;
        }
        this.blocks = new BlockStore(store, new BlockKeys("", volume.uuid()), codec,
                config.uploadConcurrency(), config.downloadConcurrency(), config.cacheBytes(), config.retry(), config.inlineMax());
        java.time.Duration deadline = config.retry().deadline();
        this.budget = new WriteBudget(config.writeBufferBytes(), volume.blockSize(),
                deadline.isZero() ? java.time.Duration.ofMinutes(5) : deadline.multipliedBy(2).plusSeconds(1));
        this.blocks.cache().recycleWrittenTo(this.budget::recycle);
        this.ids = new BlockIds(this.meta, 64);
        this.quota = new io.tarn.client.file.QuotaGauge(() -> this.meta.statFs(ctx(Caller.ROOT)));
        this.locks = new ClientLocks(this.meta, this::ctx);
        this.meta.onServerRestart(() -> locks.reclaim(Caller.ROOT));
        this.heartbeat = Thread.ofVirtual().name("tarn-heartbeat-" + session).start(this::heartbeats);
        this.follower = new ChangeFollower(this.meta, session, new ChangeFollower.Sink() {
            @Override
            public void changed(List<io.tarn.api.Change> changes) {
                for (io.tarn.api.Change c : changes) if (c.kind() == io.tarn.api.Change.XATTR) noXattrs.remove(c.ino());
            }

            @Override
            public void dropAll() {
                noXattrs.clear();
            }
        });
        this.follower.filterPushed(this::notToldYet);
    }

    @Override
    public void listen(ChangeListener listener) {
        follower.listen(listener);
    }

    @Override
    public long changeStamp() {
        return follower.stamp();
    }

    @Override
    public boolean changesPushed() {
        return follower.live();
    }

    private void heartbeats() {
        long millis = Math.max(10, config.heartbeat().toMillis());
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(millis); // a timer: the session's heartbeat period
                meta.heartbeat(session);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "heartbeat of session {0} failed: {1}", session, e.getMessage());
            }
        }
    }

    public VolumeInfo volume() {
        return volume;
    }

    public BlockStore blockStore() {
        return blocks;
    }

    /** The local disk cache, or null when the configuration has none. */
    public io.tarn.client.block.DiskCachedObjectStore diskCache() {
        return diskCache;
    }

    /** The write-back staging area, or null when this client writes through. */
    public io.tarn.objectstore.writeback.WriteBackObjectStore writeBack() {
        return writeBack;
    }

    public WriteBudget writeBudget() {
        return budget;
    }

    private Ctx ctx(Caller c) {
        return new Ctx(session, requestIds.incrementAndGet(), c);
    }

    @Override
    public long rootIno() {
        return volume.rootIno();
    }

    @Override
    public int blockSize() {
        return volume.blockSize();
    }

    // ---- namespace -------------------------------------------------------------------------------

    @Override
    public Attr lookup(Caller c, long parent, String name) {
        return overlay(meta.lookup(ctx(c), parent, name));
    }

    @Override
    public Attr getattr(Caller c, long ino) {
        return overlay(meta.getAttr(ctx(c), ino));
    }

    private Attr overlay(Attr a) {
        OpenFile f = openFile(a.ino());
        return f == null ? a : f.overlay(a);
    }

    private OpenFile openFile(long ino) {
        synchronized (files) {
            Shared s = files.get(ino);
            return s == null ? null : s.file;
        }
    }

    @Override
    public Attr setattr(Caller c, long ino, SetAttr changes) {
        return own(() -> {
            OpenFile f = openFile(ino);
            // Pending writes of a file open here come first: a truncate must cut them, and a utimens after
            // a write (cp -p, tar) must not be overwritten by the write's later commit.
            if (f != null && (changes.has(SetAttr.SIZE) || f.hasPending()))
                return f.truncateWith(c, () -> meta.setAttr(ctx(c), ino, changes));
            return overlay(meta.setAttr(ctx(c), ino, changes));
        });
    }

    /** Runs one of this client's namespace changes, counted once it is done (see {@link #ownChanges}). */
    private <T> T own(java.util.function.Supplier<T> change) {
        try {
            return change.get();
        } finally {
            ownChanges.incrementAndGet();
        }
    }

    @Override
    public Attr mknod(Caller c, long parent, String name, int mode, int rdev) {
        return own(() -> meta.mknod(ctx(c), parent, name, mode, rdev));
    }

    @Override
    public Attr mkdir(Caller c, long parent, String name, int mode) {
        return own(() -> meta.mkdir(ctx(c), parent, name, mode));
    }

    @Override
    public void unlink(Caller c, long parent, String name) {
        own(() -> {
            meta.unlink(ctx(c), parent, name);
            return null;
        });
    }

    @Override
    public void rmdir(Caller c, long parent, String name) {
        own(() -> {
            meta.rmdir(ctx(c), parent, name);
            return null;
        });
    }

    @Override
    public Attr symlink(Caller c, long parent, String name, String target) {
        return own(() -> meta.symlink(ctx(c), parent, name, target));
    }

    @Override
    public String readlink(Caller c, long ino) {
        return meta.readlink(ctx(c), ino);
    }

    @Override
    public Attr link(Caller c, long ino, long newParent, String newName) {
        return own(() -> overlay(meta.link(ctx(c), ino, newParent, newName)));
    }

    @Override
    public void rename(Caller c, long parent, String name, long newParent, String newName, int flags) {
        own(() -> {
            meta.rename(ctx(c), parent, name, newParent, newName, flags);
            return null;
        });
    }

    // ---- files -----------------------------------------------------------------------------------

    @Override
    public long open(Caller c, long ino, int flags) {
        boolean trunc = (flags & OpenFlags.O_TRUNC) != 0 && OpenFlags.writable(flags);
        int metaFlags = flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL);
        OpenFile existing = trunc ? openFile(ino) : null;
        // Writes made here before this open must come before its truncation, and none may land in between.
        if (trunc) ownChanges.incrementAndGet();
        Attr a = existing != null ? existing.truncateWith(c, () -> meta.open(ctx(c), ino, metaFlags)) : meta.open(ctx(c), ino, metaFlags);
        if (a.isDir() && OpenFlags.writable(flags)) {
            meta.release(ctx(c), ino);
            throw FsException.of(Errno.EISDIR, "inode %d is a directory", ino);
        }
        return attach(c, a, flags, trunc);
    }

    @Override
    public Created create(Caller c, long parent, String name, int mode, int flags) {
        Attr a = own(() -> meta.create(ctx(c), parent, name, mode, flags));
        return new Created(attach(c, a, flags, false), a);
    }

    /** The inode's OpenFile, created for its first handle; counts one more handle. */
    private OpenFile share(Attr a) {
        synchronized (files) {
            Shared s = files.get(a.ino());
            if (s == null) {
                s = new Shared(new OpenFile(a.ino(), a, volume.blockSize(), meta, blocks, budget, ids, this::ctx, quota));
                files.put(a.ino(), s);
            }
            s.handles++;
            return s.file;
        }
    }

    private long attach(Caller c, Attr a, int flags, boolean truncated) {
        OpenFile file = null;
        if (a.isFile()) {
            boolean fresh;
            synchronized (files) {
                Shared s = files.get(a.ino());
                fresh = s == null;
                if (fresh) {
                    s = new Shared(new OpenFile(a.ino(), a, volume.blockSize(), meta, blocks, budget, ids, this::ctx, quota));
                    files.put(a.ino(), s);
                }
                s.handles++;
                file = s.file;
            }
            if (truncated) file.truncated(a);
            else if (!fresh) file.revalidate(a);
        }
        long fh = handleIds.incrementAndGet();
        FileHandle h = new FileHandle(a.ino(), a.type(), flags, c, file);
        h.atimeNs = a.atimeNs();
        h.mtimeNs = a.mtimeNs();
        h.ctimeNs = a.ctimeNs();
        if (file != null) {
            Long seen = seenVersions.put(a.ino(), version(a));
            // Reads served from the kernel's cache never reach this client: when a read must update atime
            // (relatime: once after each change), the pages go, so the read comes here and the kernel then
            // refetches the attributes it marks stale after a READ.
            h.keepCache = !truncated && seen != null && seen == version(a) && !atimeDue(h);
        }
        handles.put(fh, h);
        return fh;
    }

    /** Size and mtime folded into one number; a change of either changes it (barring a 64-bit collision). */
    private static long version(Attr a) {
        return a.mtimeNs() * 0x9E3779B97F4A7C15L + a.size();
    }

    @Override
    public boolean keepCache(long fh) {
        FileHandle h = handles.get(fh);
        return h != null && h.keepCache;
    }

    /** See {@link #read}: two of the kernel's largest READs (1 MiB when its read-ahead is raised). */
    static final long SEQUENTIAL_SLACK = 2L << 20;

    private FileHandle handle(long fh) {
        FileHandle h = handles.get(fh);
        if (h == null) throw FsException.of(Errno.EBADF, "no open file handle %d", fh);
        return h;
    }

    private static OpenFile data(FileHandle h) {
        if (h.file == null && h.type == Attr.S_IFDIR) throw FsException.of(Errno.EISDIR, "inode %d is a directory", h.ino);
        if (h.file == null) throw FsException.of(Errno.EINVAL, "inode %d is not a regular file", h.ino);
        return h.file;
    }

    @Override
    public ByteBuffer read(long fh, long offset, int size) {
        return read(fh, offset, size, false);
    }

    @Override
    public ByteBuffer readIfCached(long fh, long offset, int size) {
        return read(fh, offset, size, true);
    }

    @Override
    public boolean readAround() {
        return config.readAround();
    }

    @Override
    public List<Long> inodesOpenForWriting() {
        List<Long> inos = new ArrayList<>();
        for (FileHandle h : handles.values()) if (h.file != null && OpenFlags.writable(h.flags)) inos.add(h.ino);
        return inos;
    }

    @Override
    public ByteBuffer peekCached(long fh, long offset, int size) {
        FileHandle h = handles.get(fh);
        if (h == null || h.file == null || !OpenFlags.readable(h.flags)) return null;
        return h.file.readIfCached(offset, size);
    }

    /** {@code onlyCached}: answer from memory without waiting, or return null (see {@link OpenFile#readIfCached}). */
    private ByteBuffer read(long fh, long offset, int size, boolean onlyCached) {
        FileHandle h = handle(fh);
        if (!OpenFlags.readable(h.flags)) throw FsException.of(Errno.EBADF, "handle %d is not open for reading", fh);
        OpenFile f = data(h);
        if (onlyCached && atimeDue(h)) return null; // the atime update is a metadata call
        // The kernel sends a sequential reader's READs several at a time (async read) and the workers take
        // them in any order, so "sequential" means near the furthest end read so far, not exactly at it. A
        // near read that does not continue exactly starts read-ahead only after a run of them, so that a
        // random reader landing close by now and then does not fetch blocks ahead.
        long last = h.lastReadEnd;
        // Before a handle's first read there is no position to be near: only the start continues.
        boolean near = offset == last || (h.readBefore && offset >= last - SEQUENTIAL_SLACK && offset <= last + SEQUENTIAL_SLACK);
        ByteBuffer b = onlyCached ? f.readIfCached(offset, size) : f.read(h.caller, offset, size, !near);
        if (b == null) return null;
        h.readBefore = true;
        int run = near ? Math.min(h.nearRun + 1, 1 << 20) : 0;
        h.nearRun = run;
        h.lastReadEnd = near ? Math.max(h.lastReadEnd, offset + b.remaining()) : offset + b.remaining();
        if (atimeDue(h)) touchAtime(h);
        if (!near) {
            h.window = 0;
            h.prefetchedTo = 0;
        } else if (b.hasRemaining() && config.readaheadBlocks() > 0 && (offset == last || run >= 3)) {
            readAhead(h, f);
        }
        return b;
    }

    /**
     * Sequential readers get a read-ahead window that starts at the configured number of blocks and
     * doubles each time the reader enters a new block, up to what a quarter of the block cache holds
     * (at most 32 blocks), so enough fetches are in flight to cover the store's latency without a random
     * reader ever flooding the cache. Only blocks not asked for yet are requested.
     */
    private void readAhead(FileHandle h, OpenFile f) {
        int bs = volume.blockSize();
        long next = (h.lastReadEnd + bs - 1) / bs;
        int max = (int) Math.max(config.readaheadBlocks(), Math.min(32, config.cacheBytes() / 4 / bs));
        if (h.window == 0) h.window = config.readaheadBlocks();
        else if (next > h.lastBlockSeen) h.window = Math.min(max, h.window * 2);
        h.lastBlockSeen = next;
        long from = Math.max(next, h.prefetchedTo), to = next + h.window;
        if (to <= from) return;
        f.readAhead(h.caller, from, (int) (to - from));
        h.prefetchedTo = to;
    }

    /** Whether a read through {@code h} must update the file's atime under the mount's policy. */
    private boolean atimeDue(FileHandle h) {
        if (h.type != Attr.S_IFREG || (h.flags & OpenFlags.O_NOATIME) != 0 || !OpenFlags.readable(h.flags)) return false;
        return switch (config.atime()) {
            case NOATIME -> false;
            // Once per second per handle at most: a metadata write per READ request would halve read throughput.
            case STRICTATIME -> System.nanoTime() - h.atimeSetAtNs >= 1_000_000_000L || h.atimeSetAtNs == 0;
            case RELATIME -> h.atimeNs <= h.mtimeNs || h.atimeNs <= h.ctimeNs
                    || wallNanos() - h.atimeNs >= 24L * 3600 * 1_000_000_000L;
        };
    }

    private void touchAtime(FileHandle h) {
        try {
            Attr a = meta.setAttr(ctx(h.caller), h.ino, SetAttr.readAtime(config.atime() == ClientConfig.Atime.STRICTATIME));
            h.atimeNs = a.atimeNs();
            h.mtimeNs = a.mtimeNs();
            h.ctimeNs = a.ctimeNs();
        } catch (FsException e) {
            // A read-only view or a vanished file: the read itself succeeded, atime is best effort.
            LOG.log(System.Logger.Level.DEBUG, "atime of inode {0} not updated: {1}", h.ino, e.getMessage());
            h.atimeNs = Long.MAX_VALUE;
        }
        h.atimeSetAtNs = System.nanoTime();
    }

    private static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public void fallocate(long fh, int mode, long offset, long length) {
        FileHandle h = handle(fh);
        if (!OpenFlags.writable(h.flags)) throw FsException.of(Errno.EBADF, "handle %d is not open for writing", fh);
        OpenFile f = data(h);
        if (offset < 0 || length <= 0) throw FsException.of(Errno.EINVAL, "bad range %d+%d", offset, length);
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0
                || (mode & FALLOC_FL_PUNCH_HOLE) != 0 && (mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE)) != FALLOC_FL_KEEP_SIZE)
            throw FsException.of(Errno.ENOTSUP, "fallocate mode %#x", mode);
        long end = offset + length;
        if (end < 0 || end > io.tarn.client.file.OpenFile.MAX_SIZE) throw FsException.of(Errno.EFBIG, "fallocate past the largest file size");
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) f.punch(h.caller, offset, length);
        // An object store has no space to reserve: allocating is making the size cover the range. It
        // reserves no quota either, but a range past the end that could never fit is refused now (ADR 0133).
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) == 0 && end > f.size()
                && quota.allow(end - Math.max(offset, f.size())) < end - Math.max(offset, f.size()))
            throw FsException.of(Errno.EDQUOT, "fallocate of %d bytes past the end of inode %d: more than the volume's quota has left",
                    end - Math.max(offset, f.size()), h.ino);
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > f.size())
            f.truncateWith(h.caller, () -> meta.setAttr(ctx(h.caller), h.ino, SetAttr.size(end)));
    }

    @Override
    public long lseek(long fh, long offset, int whence) {
        FileHandle h = handle(fh);
        if (whence != 3 && whence != 4) throw FsException.of(Errno.EINVAL, "lseek whence %d", whence);
        return data(h).seek(h.caller, offset, whence == 4);
    }

    /** Largest copy one call makes (the FUSE reply counts in 32 bits); callers loop like for write(2). */
    private static final long COPY_MAX = 1L << 30;

    @Override
    public long copyFileRange(long fhIn, long offIn, long fhOut, long offOut, long length, int flags) {
        FileHandle in = handle(fhIn), out = handle(fhOut);
        if (flags != 0) throw FsException.of(Errno.EINVAL, "copy_file_range flags %d", flags);
        if (!OpenFlags.readable(in.flags) || !OpenFlags.writable(out.flags) || (out.flags & OpenFlags.O_APPEND) != 0)
            throw FsException.of(Errno.EBADF, "copy_file_range needs a readable source and a writable, non-append target");
        OpenFile src = data(in), dst = data(out);
        if (offIn < 0 || offOut < 0 || length < 0) throw FsException.of(Errno.EINVAL, "negative offset or length");
        long want = Math.min(length, COPY_MAX), done = 0;
        // Bytes are copied, not block objects shared: garbage collection counts each block as one inode's (ADR 0131).
        int chunk = Math.max(volume.blockSize(), 1 << 20);
        while (done < want) {
            ByteBuffer b = src.read(in.caller, offIn + done, (int) Math.min(chunk, want - done), false);
            if (!b.hasRemaining()) break;
            long at = offOut + done, growth = at + b.remaining() - Math.max(at, dst.size());
            if (growth > 0) {
                long allowed;
                try {
                    allowed = quota.allow(growth);
                } catch (FsException e) {
                    if (done > 0) break; // a short copy, as a write that fills the quota is short
                    throw e;
                }
                if (allowed < growth) b.limit(b.position() + (int) (b.remaining() - (growth - allowed)));
            }
            int n = b.remaining();
            dst.write(out.caller, offOut + done, b, false);
            done += n;
        }
        return done;
    }

    @Override
    public int write(long fh, long offset, ByteBuffer data) {
        FileHandle h = handle(fh);
        if (!OpenFlags.writable(h.flags)) throw FsException.of(Errno.EBADF, "handle %d is not open for writing", fh);
        OpenFile f = data(h);
        boolean append = (h.flags & OpenFlags.O_APPEND) != 0;
        // Fail early, at write, when the bytes this write adds past the end cannot fit in the quota
        // (the server's check at commit is the one that counts; ADR 0133). What fits is written: a short write.
        int n = data.remaining();
        long size = f.size(), start = append ? size : offset, growth = start + n - Math.max(start, size);
        if (growth > 0 && n > 0) {
            long allowed = quota.allow(growth);
            if (allowed < growth) data = data.duplicate().limit(data.position() + (int) (n - (growth - allowed)));
        }
        return f.write(h.caller, offset, data, append);
    }

    @Override
    public void flush(long fh) {
        FileHandle h = handle(fh);
        if (h.file != null && OpenFlags.writable(h.flags)) own(() -> {
            h.file.flush(h.caller);
            return null;
        });
    }

    @Override
    public void flush(long fh, long lockOwner) {
        FileHandle h = handle(fh);
        try {
            flush(fh);
        } finally {
            locks.closed(h.caller, h.ino, lockOwner);
        }
    }

    @Override
    public io.tarn.api.LockSpec getlk(Caller c, long ino, long fh, io.tarn.api.LockSpec lock) {
        return locks.test(c, ino, lock);
    }

    /**
     * Locks are coherence points, as on NFS (ADR 0111): writes made here before a lock call are committed
     * before the server hears of it, so whoever takes the range next sees them; and once a lock is granted,
     * what this client cached of a file another client has changed since is dropped, here and in the kernel.
     */
    @Override
    public void setlk(Caller c, long ino, long fh, io.tarn.api.LockSpec lock, long waitId) {
        OpenFile f = openFile(ino);
        if (f != null && f.hasPending()) own(() -> {
            f.flush(c);
            Attr after = f.lastCommit();
            if (after != null) seenVersions.put(ino, version(after));
            return null;
        });
        locks.set(c, ino, fh, lock, waitId);
        if (f != null && lock.type() != io.tarn.api.LockSpec.UNLCK) revalidateLocked(c, ino, f);
    }

    private void revalidateLocked(Caller c, long ino, OpenFile f) {
        Attr a = meta.getAttr(ctx(c), ino);
        Long seen = seenVersions.put(ino, version(a));
        if (seen != null && seen == version(a)) return;
        f.revalidate(a);
        // The change that made this grant drop caches is usually also on its way through the change feed.
        // Told to the kernel again after the grant's reply, it would bump the inode's attribute version while
        // the program's next read asks for the size, and the kernel would drop that answer and read with the
        // size it had (LockingTest read "written-by-a" for "written-by-a+b" once in CI). So the kernel hears
        // of it here, between pushed batches, and a pushed change that finds the inode as it was here is
        // not told again (notToldYet).
        follower.exclusively(() -> {
            if (lockTold.size() >= 4096) lockTold.clear();
            lockTold.put(ino, a);
            follower.deliverHere(List.of(io.tarn.api.Change.data(ino)));
        });
    }

    /** The pushed changes the kernel has not been told of yet: see {@link #revalidateLocked}. */
    private List<io.tarn.api.Change> notToldYet(List<io.tarn.api.Change> changes) {
        if (lockTold.isEmpty()) return changes;
        List<io.tarn.api.Change> out = new java.util.ArrayList<>(changes.size());
        Map<Long, Attr> now = new java.util.HashMap<>();
        for (io.tarn.api.Change ch : changes) {
            Attr told = ch.kind() == io.tarn.api.Change.DATA || ch.kind() == io.tarn.api.Change.ATTR ? lockTold.get(ch.ino()) : null;
            if (told != null) {
                Attr current = now.computeIfAbsent(ch.ino(), this::currentAttr);
                if (current != null && sameButAtime(told, current)) continue;
                lockTold.remove(ch.ino(), told);
            }
            out.add(ch);
        }
        return out;
    }

    private Attr currentAttr(long ino) {
        try {
            return meta.getAttr(ctx(Caller.ROOT), ino);
        } catch (RuntimeException e) {
            return null; // gone or unreachable: the change goes through
        }
    }

    private static boolean sameButAtime(Attr x, Attr y) {
        return x.ino() == y.ino() && x.mode() == y.mode() && x.nlink() == y.nlink() && x.uid() == y.uid() && x.gid() == y.gid()
                && x.rdev() == y.rdev() && x.size() == y.size() && x.mtimeNs() == y.mtimeNs() && x.ctimeNs() == y.ctimeNs();
    }

    @Override
    public long newLockWait() {
        return locks.newWaitId();
    }

    @Override
    public void cancelLockWait(Caller c, long waitId) {
        locks.cancel(c, waitId);
    }

    /** Locks this client holds now (ranges, all owners), for tests. */
    public int heldLocks() {
        return locks.heldCount();
    }

    @Override
    public void fsync(long fh, boolean dataOnly) {
        FileHandle h = handle(fh);
        if (h.file != null) own(() -> {
            h.file.flush(h.caller);
            return null;
        });
    }

    @Override
    public void release(long fh) {
        FileHandle h = handles.remove(fh);
        if (h == null) throw FsException.of(Errno.EBADF, "no open file handle %d", fh);
        try {
            if (h.file != null && OpenFlags.writable(h.flags)) {
                h.file.flush(h.caller);
                // The kernel's pages hold what this client wrote: the committed version is what they show.
                Attr after = h.file.lastCommit();
                if (after != null) seenVersions.put(h.ino, version(after));
            }
        } finally {
            try {
                locks.released(h.caller, fh, 0);
            } finally {
                try {
                    meta.release(ctx(h.caller), h.ino);
                } finally {
                    ownChanges.incrementAndGet();
                    detach(h);
                }
            }
        }
    }

    private void detach(FileHandle h) {
        if (h.file == null) return;
        synchronized (files) {
            Shared s = files.get(h.ino);
            if (s == null || --s.handles > 0) return;
            files.remove(h.ino);
        }
        if (h.file.hasPending()) {
            LOG.log(System.Logger.Level.WARNING, "dropping unflushed writes of inode {0} after a failed close", h.ino);
            h.file.discard();
        }
    }

    // ---- directories -----------------------------------------------------------------------------

    @Override
    public long opendir(Caller c, long ino) {
        Attr a = meta.getAttr(ctx(c), ino);
        if (!a.isDir()) throw FsException.of(Errno.ENOTDIR, "inode %d is not a directory", ino);
        meta.access(ctx(c), ino, MetaService.R_OK);
        long fh = handleIds.incrementAndGet();
        dirs.put(fh, new DirCursor(ino, c));
        return fh;
    }

    @Override
    public List<DirItem> readdir(long fh, long offset, int max, boolean plus) {
        DirCursor d = dirs.get(fh);
        if (d == null) throw FsException.of(Errno.EBADF, "no open directory handle %d", fh);
        return d.read(offset, max, plus, config.dirPageSize(), () -> follower.stamp() + ownChanges.get(),
                (after, limit, p) -> {
                    long stamp = follower.stamp();
                    io.tarn.api.DirPage page = meta.readDir(ctx(d.caller), d.ino, after, limit, p);
                    if (p) learnXattrs(d.caller, page, stamp);
                    return page;
                },
                // ".." is listed with read permission alone, as on ext4; a lookup would need search permission.
                () -> meta.getAttr(ctx(d.caller), d.ino), () -> meta.lookup(ctx(Caller.ROOT), d.ino, ".."));
    }

    @Override
    public void releasedir(long fh) {
        if (dirs.remove(fh) == null) throw FsException.of(Errno.EBADF, "no open directory handle %d", fh);
    }

    // ---- live upgrade ----------------------------------------------------------------------------

    /**
     * Hands this client to a successor process (ADR 0070): flushes every open file (EIO if one cannot be
     * made durable; nothing is handed over then), and returns the session id, the id counters and the open
     * file and directory handles. Call it with the FUSE session stopped, so no request runs meanwhile.
     * Afterwards {@link #close} releases nothing and leaves the session open for {@link #resume}.
     */
    public byte[] exportState() {
        List<VfsState.File> out = new ArrayList<>();
        Map<OpenFile, Caller> toFlush = new java.util.IdentityHashMap<>();
        for (Map.Entry<Long, FileHandle> e : new java.util.TreeMap<>(handles).entrySet()) {
            FileHandle h = e.getValue();
            if (h.file != null && OpenFlags.writable(h.flags)) toFlush.putIfAbsent(h.file, h.caller);
            out.add(new VfsState.File(e.getKey(), h.ino, h.type, h.flags, h.caller, h.lastReadEnd));
        }
        toFlush.forEach((f, c) -> f.flush(c));
        List<VfsState.Dir> ds = new ArrayList<>();
        new java.util.TreeMap<>(dirs).forEach((fh, d) -> ds.add(new VfsState.Dir(fh, d.ino, d.caller)));
        exported = true;
        return new VfsState(volume.name(), session, requestIds.get() + 1, handleIds.get(), out, ds,
                locks.claims(), locks.lockedFiles()).encode();
    }

    /**
     * Continues a client that {@link #exportState exported} its state, in this process: the same metadata
     * session (its opens stay as they are on the server) and the same handle numbers. The caller keeps
     * ownership of {@code meta} and {@code store}. EINVAL for bytes that are not such a state; ESTALE if the
     * session has ended meanwhile.
     */
    public static TarnVfs resume(MetaService meta, ObjectStore store, ClientConfig config, byte[] state) {
        return resume(meta, store, config, state, null);
    }

    /** As {@link #resume(MetaService, ObjectStore, ClientConfig, byte[])} for a volume that may be encrypted: the successor needs the key too. */
    public static TarnVfs resume(MetaService meta, ObjectStore store, ClientConfig config, byte[] state, KeySource keys) {
        VfsState st = VfsState.decode(state);
        return resume(meta, store, false, config, st, VolumeKeys.unlock(meta.volume(st.volume()), keys));
    }

    /** Like {@link #resume(MetaService, ObjectStore, ClientConfig, byte[])}, opening the volume's own store. */
    public static TarnVfs resume(MetaService meta, ClientConfig config, byte[] state) {
        return resume(meta, config, state, null);
    }

    /** Like {@link #resume(MetaService, ObjectStore, ClientConfig, byte[], KeySource)}, opening the volume's own store. */
    public static TarnVfs resume(MetaService meta, ClientConfig config, byte[] state, KeySource keys) {
        VfsState st = VfsState.decode(state);
        VolumeInfo v = meta.volume(st.volume());
        VolumeKeys unlocked = VolumeKeys.unlock(v, keys);
        return resume(meta, ObjectStores.open(v.storeUri()), true, config, st, unlocked);
    }

    private static TarnVfs resume(MetaService meta, ObjectStore store, boolean ownsStore, ClientConfig config, VfsState st, VolumeKeys keys) {
        VolumeInfo v = meta.volume(st.volume());
        TarnVfs vfs = new TarnVfs(meta, store, ownsStore, new SessionInfo(st.session(), v), config, false, keys);
        try {
            vfs.requestIds.accumulateAndGet(st.nextRequestId(), Math::max);
            vfs.handleIds.accumulateAndGet(st.nextHandle(), Math::max);
            meta.heartbeat(st.session()); // ESTALE now rather than at the first file operation
            Map<Long, Attr> attrs = new HashMap<>();
            for (VfsState.File f : st.files()) {
                Attr a = attrs.computeIfAbsent(f.ino(), ino -> vfs.meta.getAttr(vfs.ctx(f.caller()), ino));
                OpenFile file = a.isFile() ? vfs.share(a) : null;
                FileHandle h = new FileHandle(f.ino(), f.type(), f.flags(), f.caller(), file);
                h.lastReadEnd = f.lastReadEnd();
                vfs.handles.put(f.fh(), h);
            }
            for (VfsState.Dir d : st.dirs()) vfs.dirs.put(d.fh(), new DirCursor(d.ino(), d.caller()));
            vfs.locks.restore(st.locks(), st.lockedFiles());
            // The server may be a new one (an embedded server moves with the daemon): re-assert the
            // session's locks; against the same server this changes nothing.
            vfs.locks.reclaim(Caller.ROOT);
            return vfs;
        } catch (RuntimeException e) {
            vfs.exported = true; // a failed resume must not end the session the predecessor may still need
            vfs.close();
            throw e;
        }
    }

    // ---- the rest --------------------------------------------------------------------------------

    @Override
    public StatFs statfs(Caller c) {
        StatFs s = meta.statFs(ctx(c));
        quota.seen(s);
        return s;
    }

    /**
     * Notes which listed inodes have no xattr, in one call per page, unless a pushed change arrived
     * since the page was asked for (the answer may then predate it). Only while changes are pushed: a
     * note is kept correct by the pushes alone.
     */
    private void learnXattrs(Caller c, io.tarn.api.DirPage page, long stamp) {
        if (!xattrHoldersKnown || !follower.live() || page.entries().isEmpty()) return;
        long[] inos = new long[page.entries().size()];
        for (int i = 0; i < inos.length; i++) inos[i] = page.entries().get(i).ino();
        boolean[] has;
        try {
            has = meta.xattrHolders(ctx(c), inos);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOSYS) xattrHoldersKnown = false;
            return; // only an optimisation: getxattr asks the server instead
        }
        if (follower.stamp() != stamp || !follower.live()) return;
        if (noXattrs.size() > MAX_NO_XATTRS) noXattrs.clear();
        for (int i = 0; i < inos.length; i++) if (!has[i]) noXattrs.add(inos[i]);
    }

    /**
     * Whether a getxattr of {@code name} would surely be ENODATA: the inode has no xattr, and the name
     * is valid and in a namespace whose reads the server refuses with nothing but ENODATA (security.,
     * trusted., and the ACLs, which are stored as xattrs that anyone may read; user. reads check
     * permissions first). ls -l asks system.posix_acl_access of every entry, and security.selinux.
     */
    private boolean surelyNoXattr(long ino, String name) {
        if (name == null || !(name.startsWith("security.") || name.startsWith("trusted.") || ACL_NAMES.contains(name)) || name.indexOf('\0') >= 0
                || name.length() > 255 || !follower.live() || !noXattrs.contains(ino)) return false;
        return name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255;
    }

    /**
     * The SELinux label. Where SELinux runs, the kernel answers for it without asking a FUSE file system;
     * where it does not, ls -l asks it of every entry and the kernel caches no xattr of FUSE, so each ask
     * is a round trip. An absent label is therefore EOPNOTSUPP, as on NFS without labelled NFS: ls,
     * libselinux and coreutils then take the mount as unlabelled and stop asking (ADR 0121).
     */
    static final String SELINUX_LABEL = "security.selinux";
    private static final java.util.Set<String> ACL_NAMES = java.util.Set.of("system.posix_acl_access", "system.posix_acl_default");

    @Override
    public byte[] getxattr(Caller c, long ino, String name) {
        if (surelyNoXattr(ino, name)) throw absent(name);
        try {
            return meta.getXattr(ctx(c), ino, name);
        } catch (FsException e) {
            if (e.errno() == Errno.ENODATA && SELINUX_LABEL.equals(name)) throw absent(name);
            throw e;
        }
    }

    private static FsException absent(String name) {
        if (SELINUX_LABEL.equals(name)) return FsException.of(Errno.ENOTSUP, "no SELinux label: Tarn mounts are unlabelled unless a label was set");
        return FsException.of(Errno.ENODATA, "no xattr %s", name);
    }

    @Override
    public void setxattr(Caller c, long ino, String name, byte[] value, int flags) {
        noXattrs.remove(ino);
        try {
            meta.setXattr(ctx(c), ino, name, value, flags);
        } finally {
            noXattrs.remove(ino); // a listing that raced with this call may have noted the inode meanwhile
        }
    }

    @Override
    public List<String> listxattr(Caller c, long ino) {
        if (follower.live() && noXattrs.contains(ino)) return List.of();
        return meta.listXattr(ctx(c), ino);
    }

    @Override
    public void removexattr(Caller c, long ino, String name) {
        noXattrs.remove(ino);
        try {
            meta.removeXattr(ctx(c), ino, name);
        } finally {
            noXattrs.remove(ino);
        }
    }

    @Override
    public void access(Caller c, long ino, int mask) {
        meta.access(ctx(c), ino, mask);
    }

    @Override
    public void close() {
        FsException first = null;
        if (exported) handles.clear(); // the successor holds them now
        for (Long fh : new ArrayList<>(handles.keySet())) {
            try {
                release(fh);
            } catch (FsException e) {
                if (first == null) first = e;
            }
        }
        dirs.clear();
        if (writeBack != null) {
            // Uploads go on while the session is still heartbeated; a successor picks up the rest itself.
            if (exported) writeBack.abandon();
            else writeBack.close();
        }
        heartbeat.interrupt();
        follower.close();
        try {
            if (!exported) meta.closeSession(session);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing session {0}: {1}", session, e.getMessage());
        }
        blocks.close();
        if (ownedStore != null) ownedStore.close();
        if (first != null) throw first;
    }
}
