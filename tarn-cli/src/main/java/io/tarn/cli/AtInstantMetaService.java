package io.tarn.cli;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.DirPage;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;

import java.util.List;

/**
 * The metadata service a {@code tarn mount --at} client sees: every call passes through, except that
 * opening a session (at mount, or again after a server restart) opens a read-only view of the volume at
 * the chosen instant, on which the server refuses every change with EROFS.
 */
final class AtInstantMetaService implements MetaService {
    private final MetaService d;
    private final long atEpochNs;

    AtInstantMetaService(MetaService delegate, long atEpochNs) {
        this.d = delegate;
        this.atEpochNs = atEpochNs;
    }

    @Override
    public VolumeInfo createVolume(VolumeSpec spec) {
        return d.createVolume(spec);
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        return d.listVolumes();
    }

    @Override
    public VolumeInfo volume(String name) {
        return d.volume(name);
    }

    @Override
    public void deleteVolume(String name) {
        d.deleteVolume(name);
    }

    @Override
    public SessionInfo openSession(String volume, String clientName) {
        return d.openSession(volume, clientName, atEpochNs);
    }

    @Override
    public void heartbeat(long session) {
        d.heartbeat(session);
    }

    @Override
    public void closeSession(long session) {
        d.closeSession(session);
    }

    @Override
    public Attr lookup(Ctx ctx, long parent, String name) {
        return d.lookup(ctx, parent, name);
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        return d.getAttr(ctx, ino);
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr changes) {
        return d.setAttr(ctx, ino, changes);
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        return d.mknod(ctx, parent, name, mode, rdev);
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        return d.create(ctx, parent, name, mode, openFlags);
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        return d.mkdir(ctx, parent, name, mode);
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        return d.symlink(ctx, parent, name, target);
    }

    @Override
    public String readlink(Ctx ctx, long ino) {
        return d.readlink(ctx, ino);
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        return d.link(ctx, ino, newParent, newName);
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        d.unlink(ctx, parent, name);
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        d.rmdir(ctx, parent, name);
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        d.rename(ctx, parent, name, newParent, newName, flags);
    }

    @Override
    public DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        return d.readDir(ctx, ino, after, limit, plus);
    }

    @Override
    public void access(Ctx ctx, long ino, int mask) {
        d.access(ctx, ino, mask);
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        return d.open(ctx, ino, flags);
    }

    @Override
    public void release(Ctx ctx, long ino) {
        d.release(ctx, ino);
    }

    @Override
    public StatFs statFs(Ctx ctx) {
        return d.statFs(ctx);
    }

    @Override
    public List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count) {
        return d.blocks(ctx, ino, fromIndex, count);
    }

    @Override
    public Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs) {
        return d.commitBlocks(ctx, ino, blocks, minSize, mtimeNs);
    }

    @Override
    public Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count) {
        return d.punchBlocks(ctx, ino, fromIndex, count);
    }

    @Override
    public long reserveBlockIds(Ctx ctx, int count) {
        return d.reserveBlockIds(ctx, count);
    }

    @Override
    public byte[] getXattr(Ctx ctx, long ino, String name) {
        return d.getXattr(ctx, ino, name);
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        d.setXattr(ctx, ino, name, value, flags);
    }

    @Override
    public List<String> listXattr(Ctx ctx, long ino) {
        return d.listXattr(ctx, ino);
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        d.removeXattr(ctx, ino, name);
    }

    @Override
    public io.tarn.api.LockSpec testLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock) {
        return d.testLock(ctx, ino, lock);
    }

    @Override
    public int setLock(Ctx ctx, long ino, io.tarn.api.LockSpec lock, long waitId, int waitMillis) {
        return d.setLock(ctx, ino, lock, waitId, waitMillis);
    }

    @Override
    public boolean cancelLockWait(Ctx ctx, long waitId) {
        return d.cancelLockWait(ctx, waitId);
    }

    @Override
    public void releaseLocks(Ctx ctx, long ino, long owner) {
        d.releaseLocks(ctx, ino, owner);
    }

    @Override
    public int reclaimLocks(Ctx ctx, List<io.tarn.api.LockClaim> held) {
        return d.reclaimLocks(ctx, held);
    }

    @Override
    public void onServerRestart(Runnable listener) {
        d.onServerRestart(listener);
    }

    @Override
    public SessionInfo openSession(String volume, String clientName, long at) {
        return d.openSession(volume, clientName, at);
    }

    @Override
    public VolumeInfo setRetention(String name, long retentionSeconds) {
        return d.setRetention(name, retentionSeconds);
    }

    @Override
    public VolumeInfo addVolumeKey(String name, io.tarn.api.VolumeEncryption.KeyGeneration key) {
        return d.addVolumeKey(name, key);
    }

    @Override
    public StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        return d.setVolumeQuota(name, quotaBytes, quotaInodes);
    }

    @Override
    public StatFs volumeQuota(String name) {
        return d.volumeQuota(name);
    }

    @Override
    public VolumeUsage volumeUsage(String name) {
        return d.volumeUsage(name);
    }

    @Override
    public long gcHorizon(String volume) {
        return d.gcHorizon(volume);
    }

    @Override
    public List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        return d.garbage(volume, beforeNs, after, limit);
    }

    @Override
    public void forgetGarbage(String volume, List<GarbageBlock> done) {
        d.forgetGarbage(volume, done);
    }

    @Override
    public List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        return d.liveBlocks(volume, after, limit);
    }

    @Override
    public GcClients gcClients(String volume) {
        return d.gcClients(volume);
    }

    @Override
    public void close() {
        d.close();
    }
}
