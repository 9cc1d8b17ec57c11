package io.tarn.client.crypt;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link MetaService} seen through a volume's {@link NameCipher} (ADR 0093): names, symlink targets
 * and the values of user./trusted. xattrs are encrypted here, in the client, before any call leaves it,
 * and decrypted in the answers; the sizes of symlinks are reported for the plain target. "." and ".."
 * pass as they are (the server resolves them). Xattr names and the system./security. namespaces stay
 * plain: the server and the kernel interpret those (ACLs, capabilities).
 */
public final class EncryptedNames implements MetaService {
    private final MetaService d;
    private final NameCipher c;

    public EncryptedNames(MetaService delegate, NameCipher cipher) {
        this.d = delegate;
        this.c = cipher;
    }

    private String name(long parent, String name) {
        return name == null || name.equals(".") || name.equals("..") ? name : c.encryptName(parent, name);
    }

    private Attr attr(Attr a) {
        if (a == null || !a.isSymlink()) return a;
        return new Attr(a.ino(), a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), NameCipher.plainTargetLength(a.size()),
                a.atimeNs(), a.mtimeNs(), a.ctimeNs());
    }

    static boolean encryptsXattr(String name) {
        return name.startsWith("user.") || name.startsWith("trusted.");
    }

    // ---- volumes and sessions: nothing to translate ----------------------------------------------

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
    public VolumeInfo setRetention(String name, long retentionSeconds) {
        return d.setRetention(name, retentionSeconds);
    }

    @Override
    public VolumeInfo addVolumeKey(String name, VolumeEncryption.KeyGeneration key) {
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

    // GC and fsck carry block ids, never names: passed through.

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
    public SessionInfo openSession(String volume, String clientName) {
        return d.openSession(volume, clientName);
    }

    @Override
    public SessionInfo openSession(String volume, String clientName, long atEpochNs) {
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

    // ---- namespace -------------------------------------------------------------------------------

    @Override
    public Attr lookup(Ctx ctx, long parent, String name) {
        return attr(d.lookup(ctx, parent, name(parent, name)));
    }

    @Override
    public Attr getAttr(Ctx ctx, long ino) {
        return attr(d.getAttr(ctx, ino));
    }

    @Override
    public Attr setAttr(Ctx ctx, long ino, SetAttr changes) {
        return attr(d.setAttr(ctx, ino, changes));
    }

    @Override
    public Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev) {
        return d.mknod(ctx, parent, name(parent, name), mode, rdev);
    }

    @Override
    public Attr create(Ctx ctx, long parent, String name, int mode, int openFlags) {
        return d.create(ctx, parent, name(parent, name), mode, openFlags);
    }

    @Override
    public Attr mkdir(Ctx ctx, long parent, String name, int mode) {
        return d.mkdir(ctx, parent, name(parent, name), mode);
    }

    @Override
    public Attr symlink(Ctx ctx, long parent, String name, String target) {
        // An empty target stays empty, so the server refuses it as it would a plain one.
        return attr(d.symlink(ctx, parent, name(parent, name), target == null || target.isEmpty() ? target : c.encryptTarget(target)));
    }

    @Override
    public String readlink(Ctx ctx, long ino) {
        return c.decryptTarget(ino, d.readlink(ctx, ino));
    }

    @Override
    public Attr link(Ctx ctx, long ino, long newParent, String newName) {
        return attr(d.link(ctx, ino, newParent, name(newParent, newName)));
    }

    @Override
    public void unlink(Ctx ctx, long parent, String name) {
        d.unlink(ctx, parent, name(parent, name));
    }

    @Override
    public void rmdir(Ctx ctx, long parent, String name) {
        d.rmdir(ctx, parent, name(parent, name));
    }

    @Override
    public void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags) {
        d.rename(ctx, parent, name(parent, name), newParent, name(newParent, newName), flags);
    }

    /**
     * The server lists in the order of the stored (encrypted) names, which is no order to a reader;
     * the cursor {@code after} is a plain name this client returned, encrypted again to find its place.
     */
    @Override
    public DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus) {
        DirPage p = d.readDir(ctx, ino, name(ino, after), limit, plus);
        List<DirEntry> out = new ArrayList<>(p.entries().size());
        for (DirEntry e : p.entries())
            out.add(new DirEntry(e.name().equals(".") || e.name().equals("..") ? e.name() : c.decryptName(ino, e.name()),
                    e.ino(), e.type(), attr(e.attr())));
        return new DirPage(out, p.more());
    }

    @Override
    public void access(Ctx ctx, long ino, int mask) {
        d.access(ctx, ino, mask);
    }

    @Override
    public Attr open(Ctx ctx, long ino, int flags) {
        return attr(d.open(ctx, ino, flags));
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

    // ---- extended attributes ---------------------------------------------------------------------

    @Override
    public byte[] getXattr(Ctx ctx, long ino, String name) {
        byte[] v = d.getXattr(ctx, ino, name);
        return encryptsXattr(name) ? c.decryptXattr(ino, name, v) : v;
    }

    @Override
    public void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags) {
        d.setXattr(ctx, ino, name, encryptsXattr(name) ? c.encryptXattr(ino, name, value) : value, flags);
    }

    @Override
    public List<String> listXattr(Ctx ctx, long ino) {
        return d.listXattr(ctx, ino);
    }

    @Override
    public void removeXattr(Ctx ctx, long ino, String name) {
        d.removeXattr(ctx, ino, name);
    }

    // ---- coherence (ADR 0120) ---------------------------------------------------------------------

    /** Pushed names are stored names: decrypted here, or the whole batch becomes a reset if one cannot be. */
    @Override
    public io.tarn.api.ChangeBatch changes(long session, long feed, long cursor, int max, int waitMillis) {
        io.tarn.api.ChangeBatch b = d.changes(session, feed, cursor, max, waitMillis);
        List<io.tarn.api.Change> out = new ArrayList<>(b.changes().size());
        for (io.tarn.api.Change ch : b.changes()) {
            if (ch.kind() != io.tarn.api.Change.ENTRY) {
                out.add(ch);
                continue;
            }
            try {
                out.add(io.tarn.api.Change.entry(ch.ino(), c.decryptName(ch.ino(), ch.name())));
            } catch (RuntimeException undecryptable) {
                return new io.tarn.api.ChangeBatch(b.feed(), b.cursor(), true, List.of());
            }
        }
        return new io.tarn.api.ChangeBatch(b.feed(), b.cursor(), b.reset(), out);
    }

    @Override
    public boolean[] xattrHolders(Ctx ctx, long[] inos) {
        return d.xattrHolders(ctx, inos);
    }

    /** The wrapped service belongs to whoever made it. */
    // Locks carry no names: they pass through.

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
    public void close() {}
}
