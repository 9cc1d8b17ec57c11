package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvWriter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One transaction's typed view of one volume's keys: inodes, dentries, blocks, opens, usage and
 * garbage. Namespace logic talks to this, never to raw keys.
 */
final class VolumeTx {
    static final int USAGE_STRIPES = 16;
    final KvReader kv;
    final VolumeRecord volume;
    final long session;
    final Caller caller;
    final long now;
    final long vol;
    /** Opens held in server memory, and this transaction's changes to them; null where no session is involved. */
    OpenTable opens;
    OpenTable.Changes openChanges;
    private long usedBytesDelta, inodesDelta;
    private long usageStripe = -1;

    VolumeTx(KvReader kv, VolumeRecord volume, long session, Caller caller, long now) {
        this.kv = kv;
        this.volume = volume;
        this.vol = volume.id();
        this.session = session;
        this.caller = caller;
        this.now = now;
    }

    KvWriter w() {
        return (KvWriter) kv;
    }

    // ---- inodes --------------------------------------------------------------------------------

    InodeRecord inodeOrNull(long ino) {
        byte[] v = kv.get(Keys.inode(vol, ino));
        return v == null ? null : InodeRecord.decode(v);
    }

    InodeRecord inode(long ino) {
        InodeRecord r = inodeOrNull(ino);
        if (r == null) throw FsException.of(Errno.ENOENT, "no inode %d", ino);
        return r;
    }

    InodeRecord dir(long ino) {
        InodeRecord r = inode(ino);
        if (!r.isDir()) throw FsException.of(Errno.ENOTDIR, "inode %d is not a directory", ino);
        return r;
    }

    void putInode(long ino, InodeRecord r) {
        w().put(Keys.inode(vol, ino), r.encode());
    }

    /** Stores a new inode and counts it in the volume's usage (its bytes count as its blocks come, ADR 0133). */
    void addInode(long ino, InodeRecord r) {
        putInode(ino, r);
        countUsage(ino, 0, 1);
    }

    // ---- dentries ------------------------------------------------------------------------------

    /** The child's inode number, or 0 if the name is absent. */
    long child(long parent, String name) {
        byte[] v = kv.get(Keys.dentry(vol, parent, name));
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    void putDentry(long parent, String name, long ino, int type) {
        w().put(Keys.dentry(vol, parent, name), ByteBuffer.allocate(12).putLong(ino).putInt(type).array());
    }

    void deleteDentry(long parent, String name) {
        w().delete(Keys.dentry(vol, parent, name));
    }

    record Dentry(String name, long ino, int type) {}

    List<Dentry> dentries(long parent, String after, int limit) {
        byte[] prefix = Keys.dentries(vol, parent);
        byte[] from = after == null ? prefix : Keys.after(Keys.dentry(vol, parent, after));
        List<Dentry> out = new ArrayList<>();
        for (KvEntry e : kv.scan(from, Keys.end(prefix), limit)) {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            out.add(new Dentry(Keys.tail(e.key(), prefix.length), b.getLong(), b.getInt()));
        }
        return out;
    }

    boolean hasChildren(long dir) {
        byte[] prefix = Keys.dentries(vol, dir);
        return !kv.scan(prefix, Keys.end(prefix), 1).isEmpty();
    }

    // ---- opens ---------------------------------------------------------------------------------

    VolumeTx withOpens(OpenTable table, OpenTable.Changes changes) {
        this.opens = table;
        this.openChanges = changes;
        return this;
    }

    /** Open in memory by any session, or pinned (persisted) for one. */
    boolean isOpen(long ino) {
        if (opens != null && opens.heldByAny(vol, ino)) return true;
        byte[] prefix = Keys.opens(vol, ino);
        return !kv.scan(prefix, Keys.end(prefix), 1).isEmpty();
    }

    boolean isOpenBySession(long ino) {
        return (opens != null && opens.heldBy(vol, ino, session)) || isPinned(ino);
    }

    boolean isPinned(long ino) {
        return kv.get(Keys.open(vol, ino, session)) != null;
    }

    /** Persists that {@code holder} has the inode open, so the inode outlives a server restart while it does. */
    void pin(long ino, long holder, byte[] value) {
        w().put(Keys.open(vol, ino, holder), value);
        w().put(Keys.sessionOpen(holder, ino), value);
    }

    void unpin(long ino, long holder) {
        w().delete(Keys.open(vol, ino, holder));
        w().delete(Keys.sessionOpen(holder, ino));
    }

    // ---- blocks --------------------------------------------------------------------------------

    /**
     * A block map entry: {@code u64 blockId, i32 length, i32 storedLength, i32 checksum}, then, for an inline
     * block (ADR 0141), its encoded bytes up to the end of the value. Entries written before inline blocks
     * existed are the 20 bytes alone and read as blocks with an object.
     */
    static byte[] encodeBlock(BlockRef b) {
        byte[] inline = b.inline();
        ByteBuffer out = ByteBuffer.allocate(BLOCK_ENTRY + (inline == null ? 0 : inline.length))
                .putLong(b.blockId()).putInt(b.length()).putInt(b.storedLength()).putInt(b.checksum());
        if (inline != null) out.put(inline);
        return out.array();
    }

    static final int BLOCK_ENTRY = 20;

    static BlockRef decodeBlock(byte[] key, byte[] v) {
        return decodeBlock(Keys.longAt(key, key.length - 8), v);
    }

    static BlockRef decodeBlock(long index, byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        long id = b.getLong();
        int length = b.getInt(), stored = b.getInt(), crc = b.getInt();
        byte[] inline = v.length > BLOCK_ENTRY ? java.util.Arrays.copyOfRange(v, BLOCK_ENTRY, v.length) : null;
        return new BlockRef(index, id, length, stored, crc, inline);
    }

    BlockRef block(long ino, long index) {
        byte[] k = Keys.block(vol, ino, index);
        byte[] v = kv.get(k);
        return v == null ? null : decodeBlock(k, v);
    }

    List<BlockRef> blocks(long ino, long fromIndex, long toIndex, int limit) {
        List<BlockRef> out = new ArrayList<>();
        for (KvEntry e : kv.scan(Keys.block(vol, ino, fromIndex), Keys.block(vol, ino, toIndex), limit))
            out.add(decodeBlock(e.key(), e.value()));
        return out;
    }

    /** Records a block that no longer belongs to the live file; GC and time travel decide its fate. */
    void garbage(long ino, BlockRef b) {
        // An inline block has no object for GC to delete; its bytes stay reachable through the history's block maps.
        if (b.isInline()) return;
        w().put(Keys.garbage(vol, now, b.blockId()),
                ByteBuffer.allocate(24).putLong(ino).putLong(b.index()).putInt(b.storedLength()).putInt(b.length()).array());
    }

    /** Drops every block with index >= {@code fromIndex} into the garbage space. */
    void dropBlocks(long ino, long fromIndex) {
        dropBlocks(ino, fromIndex, Long.MAX_VALUE);
    }

    /**
     * Points block {@code b.index()} at a new object (the one it replaces, if another, becomes garbage) and
     * counts the change of its length in the usage.
     */
    void putBlock(long ino, BlockRef b) {
        BlockRef old = block(ino, b.index());
        if (old != null && old.blockId() != b.blockId()) garbage(ino, old);
        w().put(Keys.block(vol, ino, b.index()), encodeBlock(b));
        countUsage(ino, b.length() - (old == null ? 0 : old.length()), 0);
    }

    /** Drops the blocks with index in {@code [fromIndex, toIndex)} into the garbage space. */
    void dropBlocks(long ino, long fromIndex, long toIndex) {
        while (true) {
            List<BlockRef> page = blocks(ino, fromIndex, toIndex, 1024);
            for (BlockRef b : page) {
                garbage(ino, b);
                w().delete(Keys.block(vol, ino, b.index()));
                countUsage(ino, -b.length(), 0);
            }
            if (page.size() < 1024) return;
            fromIndex = page.getLast().index() + 1;
        }
    }

    /** Deletes an inode that has no names and no opens left: blocks become garbage, the rest goes. */
    void destroyInode(long ino, InodeRecord r) {
        if (r.isFile()) dropBlocks(ino, 0);
        byte[] x = Keys.xattrs(vol, ino);
        for (KvEntry e : kv.scan(x, Keys.end(x), Integer.MAX_VALUE)) w().delete(e.key());
        w().delete(Keys.inode(vol, ino));
        w().delete(Keys.orphan(vol, ino));
        countUsage(ino, 0, -1);
    }

    /** Called when a name of a non-directory goes: deletes the inode, or keeps it as an orphan while open. */
    void dropLink(long ino, InodeRecord r) {
        InodeRecord after = r.withNlink(r.nlink() - 1).withCtime(now);
        if (after.nlink() > 0) {
            putInode(ino, after);
        } else if ((opens != null && opens.mayBeOpen(vol, ino)) || isOpen(ino)) {
            putInode(ino, after);
            w().put(Keys.orphan(vol, ino), Keys.ofLong(now));
            // Opens live in memory; the orphan must survive a restart until its holders let go.
            if (opens != null) opens.holders(vol, ino).forEach((holder, value) -> {
                if (kv.get(Keys.open(vol, ino, holder)) == null) pin(ino, holder, value);
            });
        } else {
            destroyInode(ino, r);
        }
    }

    // ---- usage ---------------------------------------------------------------------------------

    /**
     * Usage (ADR 0133): bytes are the lengths of the blocks in live block maps (holes count nothing),
     * inodes are every inode not yet destroyed (unlinked-but-open ones included). Deltas go to one of {@link #USAGE_STRIPES} counters picked by inode number, so concurrent
     * transactions on different files seldom touch the same key (statfs sums the stripes).
     */
    void countUsage(long ino, long bytes, long inodes) {
        if (usageStripe < 0) usageStripe = Math.floorMod(ino, USAGE_STRIPES);
        usedBytesDelta += bytes;
        inodesDelta += inodes;
    }

    /**
     * Writes the accumulated usage deltas; called once at the end of a mutation. A mutation that adds
     * bytes or inodes beyond the volume's quota fails here with EDQUOT, before anything is applied;
     * one that frees or keeps usage always passes, so a full volume can still be cleaned up (ADR 0133).
     */
    void flushUsage() {
        if (usedBytesDelta == 0 && inodesDelta == 0) return;
        if (usedBytesDelta > 0 || inodesDelta > 0) Quotas.check(this, usedBytesDelta, inodesDelta);
        byte[] k = Keys.usage(vol, (int) usageStripe);
        byte[] v = kv.get(k);
        long bytes = 0, inodes = 0;
        if (v != null) {
            ByteBuffer b = ByteBuffer.wrap(v);
            bytes = b.getLong();
            inodes = b.getLong();
        }
        w().put(k, ByteBuffer.allocate(16).putLong(bytes + usedBytesDelta).putLong(inodes + inodesDelta).array());
        usedBytesDelta = inodesDelta = 0;
    }

    long[] usage() {
        long bytes = 0, inodes = 0;
        byte[] from = Keys.usage(vol, 0);
        for (KvEntry e : kv.scan(from, Keys.end(Keys.inVolume(vol, Keys.USAGE)), USAGE_STRIPES)) {
            ByteBuffer b = ByteBuffer.wrap(e.value());
            bytes += b.getLong();
            inodes += b.getLong();
        }
        return new long[]{bytes, inodes};
    }

    // ---- counters ------------------------------------------------------------------------------

    /** Advances a per-volume counter by {@code count}; returns the first value handed out. */
    long take(String counter, long count, long initial) {
        byte[] k = Keys.counter(vol, counter);
        byte[] v = kv.get(k);
        long next = v == null ? initial : Keys.toLong(v);
        w().put(k, Keys.ofLong(next + count));
        return next;
    }

    Attr attr(long ino) {
        return inode(ino).attr(ino);
    }
}
