package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-memory MetaService for protocol tests: one flat namespace per volume, at-most-once
 * mutations by (session, requestId), and counters of how often each mutation really ran.
 * Only what the RPC tests need; the real engine is io.tarn.meta.LocalMetaService.
 */
final class FakeMetaService implements MetaService {
    record Node(Attr attr, TreeMap<String, Long> children, Map<String, byte[]> xattrs, TreeMap<Long, BlockRef> blocks, String target) {}

    private final Map<String, VolumeInfo> volumes = new TreeMap<>();
    private final Map<Long, String> sessionVolumes = new HashMap<>();
    private final Map<Long, Node> nodes = new HashMap<>();
    private final Map<String, Object> outcomes = new HashMap<>();
    private long nextIno = 2, nextSession = 100, nextBlockId = 1, garbageTime;
    private final List<GarbageBlock> garbage = new ArrayList<>();
    final AtomicInteger applied = new AtomicInteger(), heartbeats = new AtomicInteger();
    final Map<Long, Integer> heartbeatsBySession = new java.util.concurrent.ConcurrentHashMap<>();
    /** When set, getAttr of ino 999 and create of "slow" wait for it: calls that hang on the server. */
    volatile CountDownLatch gate;

    FakeMetaService() {
        nodes.put(1L, new Node(new Attr(1, Attr.S_IFDIR | 0755, 2, 0, 0, 0, 0, 0, 0, 0), new TreeMap<>(), new HashMap<>(), null, null));
    }

    @Override
    public synchronized VolumeInfo createVolume(VolumeSpec spec) {
        if (volumes.containsKey(spec.name())) throw FsException.of(Errno.EEXIST, "volume %s exists", spec.name());
        VolumeInfo v = new VolumeInfo(spec.name(), "uuid-" + spec.name(), spec.storeUri(), spec.blockSize(), spec.compression(),
                spec.retentionSeconds(), 42, 1, spec.encryption(), spec.proxy());
        volumes.put(spec.name(), v);
        return v;
    }

    @Override
    public synchronized VolumeInfo setVolumeProxy(String name, String proxy) {
        VolumeInfo v = volume(name);
        VolumeInfo n = new VolumeInfo(v.name(), v.uuid(), v.storeUri(), v.blockSize(), v.compression(), v.retentionSeconds(),
                v.createdNs(), v.rootIno(), v.encryption(), VolumeSpec.checkProxy(proxy));
        volumes.put(name, n);
        return n;
    }

    @Override
    public synchronized VolumeInfo addVolumeKey(String name, io.tarn.api.VolumeEncryption.KeyGeneration key) {
        VolumeInfo v = volume(name);
        if (!v.encryption().enabled()) throw FsException.of(Errno.EINVAL, "volume %s is not encrypted", name);
        if (key.generation() <= v.encryption().keys().size()) {
            if (v.encryption().keys().get(key.generation() - 1).equals(key)) return v;
            throw FsException.of(Errno.EEXIST, "volume %s already has key generation %d", name, key.generation());
        }
        if (key.generation() != v.encryption().keys().size() + 1) throw FsException.of(Errno.EINVAL, "not the next generation");
        VolumeInfo n = new VolumeInfo(v.name(), v.uuid(), v.storeUri(), v.blockSize(), v.compression(), v.retentionSeconds(),
                v.createdNs(), v.rootIno(), v.encryption().with(key), v.proxy());
        volumes.put(name, n);
        return n;
    }

    private final java.util.Map<String, long[]> quotas = new java.util.HashMap<>();

    @Override
    public synchronized StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        volume(name);
        if (quotaBytes < -1 || quotaInodes < -1) throw FsException.of(Errno.EINVAL, "bad quota");
        long[] q = quotas.computeIfAbsent(name, n -> new long[2]);
        if (quotaBytes >= 0) q[0] = quotaBytes;
        if (quotaInodes >= 0) q[1] = quotaInodes;
        return volumeQuota(name);
    }

    @Override
    public synchronized StatFs volumeQuota(String name) {
        volume(name);
        long[] q = quotas.getOrDefault(name, new long[2]);
        return new StatFs(1 << 20, nodes.size(), q[0], q[1]);
    }

    @Override
    public synchronized List<VolumeInfo> listVolumes() {
        return new ArrayList<>(volumes.values());
    }

    @Override
    public synchronized VolumeInfo volume(String name) {
        VolumeInfo v = volumes.get(name);
        if (v == null) throw FsException.of(Errno.ENOENT, "no volume %s", name);
        return v;
    }

    @Override
    public synchronized void deleteVolume(String name) {
        if (volumes.remove(name) == null) throw FsException.of(Errno.ENOENT, "no volume %s", name);
    }

    @Override
    public synchronized SessionInfo openSession(String volume, String clientName) {
        VolumeInfo v = volume(volume);
        long s = nextSession++;
        sessionVolumes.put(s, volume);
        return new SessionInfo(s, v);
    }

    @Override
    public synchronized void heartbeat(long session) {
        heartbeats.incrementAndGet();
        heartbeatsBySession.merge(session, 1, Integer::sum);
        if (!sessionVolumes.containsKey(session)) throw FsException.of(Errno.ESTALE, "session %d expired", session);
    }

    @Override
    public synchronized void closeSession(long session) {
        if (sessionVolumes.remove(session) == null) throw FsException.of(Errno.ESTALE, "session %d expired", session);
    }

    private Node node(long ino) {
        Node n = nodes.get(ino);
        if (n == null) throw FsException.of(Errno.ENOENT, "inode %d", ino);
        return n;
    }

    /** Runs a mutation at most once per request id; a repeat returns (or throws) the first outcome. */
    @SuppressWarnings("unchecked")
    private synchronized <T> T once(Ctx ctx, java.util.function.Supplier<T> work) {
        String key = ctx.session() + "/" + ctx.requestId();
        if (ctx.requestId() != 0 && outcomes.containsKey(key)) {
            Object o = outcomes.get(key);
            if (o instanceof FsException e) throw new FsException(e.errno(), e.getMessage());
            return (T) o;
        }
        try {
            T r = work.get();
            applied.incrementAndGet();
            if (ctx.requestId() != 0) outcomes.put(key, r);
            return r;
        } catch (FsException e) {
            if (ctx.requestId() != 0) outcomes.put(key, e);
            throw e;
        }
    }

    private Attr make(long parent, String name, int mode, String target) {
        Node p = node(parent);
        if (p.children() == null) throw FsException.of(Errno.ENOTDIR, "inode %d", parent);
        if (p.children().containsKey(name)) throw FsException.of(Errno.EEXIST, "%s", name);
        long ino = nextIno++;
        boolean dir = (mode & Attr.S_IFMT) == Attr.S_IFDIR;
        Attr a = new Attr(ino, mode, dir ? 2 : 1, 0, 0, 0, target == null ? 0 : target.length(), 1, 2, 3);
        nodes.put(ino, new Node(a, dir ? new TreeMap<>() : null, new HashMap<>(), new TreeMap<>(), target));
        p.children().put(name, ino);
        return a;
    }

    @Override
    public synchronized Attr lookup(Ctx ctx, long parent, String name) {
        Node p = node(parent);
        Long ino = p.children() == null ? null : p.children().get(name);
        if (ino == null) throw FsException.of(Errno.ENOENT, "%s", name);
        return node(ino).attr();
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        CountDownLatch g = gate;
        if (ino == 999 && g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                throw FsException.of(Errno.EINTR, "interrupted");
            }
        }
        synchronized (this) {
            return node(ino).attr();
        }
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr c) {
        return once(ctx, () -> {
            Node n = node(ino);
            Attr a = n.attr();
            Attr b = new Attr(ino, c.has(SetAttr.MODE) ? (a.mode() & Attr.S_IFMT) | c.mode() : a.mode(), a.nlink(),
                    c.has(SetAttr.UID) ? c.uid() : a.uid(), c.has(SetAttr.GID) ? c.gid() : a.gid(), a.rdev(),
                    c.has(SetAttr.SIZE) ? c.size() : a.size(), c.has(SetAttr.ATIME) ? c.atimeNs() : a.atimeNs(),
                    c.has(SetAttr.MTIME) ? c.mtimeNs() : a.mtimeNs(), a.ctimeNs());
            nodes.put(ino, new Node(b, n.children(), n.xattrs(), n.blocks(), n.target()));
            return b;
        });
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        return once(ctx, () -> make(parent, name, mode, null));
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        CountDownLatch g = gate;
        if (name.equals("slow") && g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                throw FsException.of(Errno.EINTR, "interrupted");
            }
        }
        return once(ctx, () -> make(parent, name, Attr.S_IFREG | (mode & 07777), null));
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        return once(ctx, () -> make(parent, name, Attr.S_IFDIR | (mode & 07777), null));
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        return once(ctx, () -> make(parent, name, Attr.S_IFLNK | 0777, target));
    }

    @Override
    public synchronized String readlink(Ctx ctx, long ino) {
        Node n = node(ino);
        if (n.target() == null) throw FsException.of(Errno.EINVAL, "not a symlink");
        return n.target();
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        throw FsException.of(Errno.ENOSYS, "link");
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        once(ctx, () -> {
            Long ino = node(parent).children().remove(name);
            if (ino == null) throw FsException.of(Errno.ENOENT, "%s", name);
            return null;
        });
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        unlink(ctx, parent, name);
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        once(ctx, () -> {
            Long ino = node(parent).children().remove(name);
            if (ino == null) throw FsException.of(Errno.ENOENT, "%s", name);
            node(newParent).children().put(newName, ino);
            return null;
        });
    }

    @Override
    public synchronized DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        var kids = node(ino).children();
        if (kids == null) throw FsException.of(Errno.ENOTDIR, "inode %d", ino);
        List<DirEntry> out = new ArrayList<>();
        var tail = after == null ? kids : kids.tailMap(after, false);
        for (var e : tail.entrySet()) {
            if (out.size() == limit) return new DirPage(out, true);
            Attr a = node(e.getValue()).attr();
            out.add(new DirEntry(e.getKey(), e.getValue(), a.type(), plus ? a : null));
        }
        return new DirPage(out, false);
    }

    @Override
    public synchronized void access(Ctx ctx, long ino, int mask) {
        if (ctx.caller().uid() != 0 && (mask & W_OK) != 0) throw FsException.of(Errno.EACCES, "inode %d", ino);
        node(ino);
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        return once(ctx, () -> node(ino).attr());
    }

    @Override
    public void release(Ctx ctx, long ino) {
        once(ctx, () -> node(ino));
    }

    @Override
    public synchronized StatFs statFs(Ctx ctx) {
        return new StatFs(1 << 20, nodes.size(), 0, 1000);
    }

    @Override
    public synchronized List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count) {
        return new ArrayList<>(node(ino).blocks().subMap(fromIndex, fromIndex + count).values());
    }

    @Override
    public Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count) {
        return once(ctx, () -> {
            Node n = node(ino);
            n.blocks().subMap(fromIndex, true, fromIndex + count < fromIndex ? Long.MAX_VALUE : fromIndex + count, false).clear();
            return n.attr();
        });
    }

    @Override
    public Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        return once(ctx, () -> {
            Node n = node(ino);
            for (BlockRef b : blocks) {
                BlockRef old = n.blocks().put(b.index(), b);
                if (old != null) garbage.add(new GarbageBlock(++garbageTime, old.blockId(), ino, old.index(), old.storedLength()));
            }
            Attr a = n.attr();
            Attr b = new Attr(ino, a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), Math.max(a.size(), minSize),
                    a.atimeNs(), mtimeNs, mtimeNs);
            nodes.put(ino, new Node(b, n.children(), n.xattrs(), n.blocks(), n.target()));
            return b;
        });
    }

    @Override
    public long reserveBlockIds(Ctx ctx, int count) {
        return once(ctx, () -> {
            long first = nextBlockId;
            nextBlockId += count;
            return first;
        });
    }

    @Override
    public synchronized byte[] getXattr(Ctx ctx, long ino, String name) {
        byte[] v = node(ino).xattrs().get(name);
        if (v == null) throw FsException.of(Errno.ENODATA, "%s", name);
        return v;
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        once(ctx, () -> node(ino).xattrs().put(name, value.clone()));
    }

    @Override
    public synchronized List<String> listXattr(Ctx ctx, long ino) {
        return new ArrayList<>(new TreeMap<>(node(ino).xattrs()).keySet());
    }

    @Override
    public io.tarn.api.LockSpec testLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock) {
        throw FsException.of(Errno.ENOSYS, "the fake has no locks");
    }

    @Override
    public int setLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock, long waitId, int waitMillis) {
        throw FsException.of(Errno.ENOSYS, "the fake has no locks");
    }

    @Override
    public boolean cancelLockWait(Ctx ctx, long waitId) {
        throw FsException.of(Errno.ENOSYS, "the fake has no locks");
    }

    @Override
    public void releaseLocks(Ctx ctx, long ino, long owner) {
        throw FsException.of(Errno.ENOSYS, "the fake has no locks");
    }

    @Override
    public int reclaimLocks(Ctx ctx, List<io.tarn.api.LockClaim> held) {
        throw FsException.of(Errno.ENOSYS, "the fake has no locks");
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        once(ctx, () -> {
            if (node(ino).xattrs().remove(name) == null) throw FsException.of(Errno.ENODATA, "%s", name);
            return null;
        });
    }

    // Garbage: a replaced block is a record stamped by a counter; the fake keeps no history, so all of it is expired.

    @Override
    public synchronized long gcHorizon(String volume) {
        volume(volume);
        return garbageTime + 1;
    }

    @Override
    public synchronized List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        volume(volume);
        return garbage.stream()
                .filter(g -> g.timeNs() < beforeNs && (after == null || g.timeNs() > after.timeNs()))
                .limit(limit).toList();
    }

    @Override
    public synchronized void forgetGarbage(String volume, List<GarbageBlock> done) {
        volume(volume);
        for (GarbageBlock d : done) garbage.removeIf(g -> g.timeNs() == d.timeNs() && g.blockId() == d.blockId());
    }

    @Override
    public synchronized List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        volume(volume);
        List<LiveBlock> out = new ArrayList<>();
        for (long ino : new TreeMap<>(nodes).keySet()) {
            for (BlockRef b : nodes.get(ino).blocks() == null ? List.<BlockRef>of() : nodes.get(ino).blocks().values()) {
                if (after != null && (ino < after.ino() || ino == after.ino() && b.index() <= after.block().index())) continue;
                if (out.size() == limit) return out;
                out.add(new LiveBlock(ino, b));
            }
        }
        return out;
    }

    @Override
    public synchronized GcClients gcClients(String volume) {
        volume(volume);
        return new GcClients(nextBlockId, sessionVolumes.isEmpty() ? -1 : 0);
    }

    @Override
    public void close() {}
}
