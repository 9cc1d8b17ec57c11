package io.tarn.api;

import java.util.List;

/**
 * The metadata server as clients see it: volumes, sessions, and the POSIX namespace of a volume,
 * inode based. Every mutation is one atomic, durable transaction: when a method returns, its effect
 * survives a server crash. Failures are {@link FsException}s with the errno a POSIX call would
 * return (ENOENT, EEXIST, ENOTEMPTY, EACCES, ...). Implementations are thread-safe; the local one
 * runs in-process, the remote one over RPC, and both pass the same contract suite.
 *
 * <p>Namespace calls take a {@link Ctx}: the session (which names the volume), a request id for
 * at-most-once retries, and the caller, whose permissions the server checks.
 */
public interface MetaService extends AutoCloseable {
    int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    /** access(2) mask bits. */
    int R_OK = 4, W_OK = 2, X_OK = 1, F_OK = 0;
    /**
     * Set in the {@code mode} of mknod/create/mkdir when the caller's umask rides in bits 16-24 for the
     * server to apply: it must yield to the parent's default ACL, which only the server knows (ADR 0130).
     */
    int UMASK_GIVEN = 1 << 30;

    /** {@code mode} (type and permission bits) with {@code umask} left to the server. */
    static int withUmask(int mode, int umask) {
        return (mode & 0xFFFF) | UMASK_GIVEN | (umask & 0777) << 16;
    }

    /** The umask carried by a mode made with {@link #withUmask}, or -1 if the caller applied it already. */
    static int umaskOf(int mode) {
        return (mode & UMASK_GIVEN) != 0 ? (mode >>> 16) & 0777 : -1;
    }

    /** The type and permission bits of a mode, without a carried umask. */
    static int modeOf(int mode) {
        return mode & 0xFFFF;
    }

    // ---- volumes -------------------------------------------------------------------------------

    /** Creates a volume with a fresh uuid and an empty root directory; EEXIST if the name is taken. */
    VolumeInfo createVolume(VolumeSpec spec);

    /** All volumes, by name. */
    List<VolumeInfo> listVolumes();

    /** One volume; ENOENT with the name if unknown. */
    VolumeInfo volume(String name);

    /** Removes a volume's metadata (its objects are the caller's to delete first); ENOENT if unknown. */
    void deleteVolume(String name);

    /**
     * Changes how long a volume keeps history for time travel (seconds; 0 off, -1 forever); returns the
     * volume. Shortening it lets garbage collection free blocks sooner.
     */
    default VolumeInfo setRetention(String name, long retentionSeconds) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service cannot change retention");
    }

    /**
     * Sets the proxy group a volume's clients send their blocks through ({@code host:port[,host:port]}, ""
     * for none; ADR 0140) and returns the volume. Mounts made afterwards use it; running ones keep theirs.
     */
    default VolumeInfo setVolumeProxy(String name, String proxy) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service cannot change a volume's proxy group");
    }

    /**
     * Appends a key generation to an encrypted volume (key rotation, ADR 0092) and returns the volume.
     * {@code key.generation()} must be the next number (EEXIST if another generation already has it,
     * unless it is this very one, so a resent call is harmless); EINVAL for an unencrypted volume.
     * The server stores check values and wrapped keys only: it never sees a key.
     */
    default VolumeInfo addVolumeKey(String name, VolumeEncryption.KeyGeneration key) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service cannot rotate volume keys");
    }

    /**
     * Sets a volume's quota (ADR 0133): the most bytes its files' blocks may hold and the most inodes it
     * may have; 0 removes a limit, -1 leaves it as it is. A limit below the current usage is accepted and
     * refuses any growth (EDQUOT) until usage falls under it. Returns the volume's usage and quota.
     */
    default StatFs setVolumeQuota(String name, long quotaBytes, long quotaInodes) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service has no quotas");
    }

    /** A volume's usage and quota, as statfs reports them to its mounts; ENOENT if unknown. */
    default StatFs volumeQuota(String name) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service has no quotas");
    }

    /** Live bytes and bytes held only for time travel; ENOENT if unknown. */
    default VolumeUsage volumeUsage(String name) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service does not report volume usage");
    }

    // ---- garbage collection and fsck (ADR 0080, 0081) -----------------------------------------
    // The metadata's half of GC: the caller lists and deletes objects itself (the server needs no
    // store credentials). Every listing is paged by a cursor so no reply and no server-side step
    // holds more than one page. Optional: a service that keeps no garbage records answers ENOTSUP.

    /** The page size servers cap {@link #garbage} and {@link #liveBlocks} at. */
    int GC_PAGE_MAX = 10_000;

    /**
     * Garbage stamped before this instant is reachable from no instant a view can show, now or later:
     * now minus the retention (now when history is off, Long.MIN_VALUE when it is kept forever), and no
     * later than the instant of any view open (or waiting to be resumed after a restart) on the server.
     */
    default long gcHorizon(String volume) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service keeps no garbage records");
    }

    /**
     * Garbage records of the volume stamped before {@code beforeNs}, oldest first, strictly after
     * {@code after} (null: from the first), at most {@code limit} (capped at {@link #GC_PAGE_MAX}).
     */
    default List<GarbageBlock> garbage(String volume, long beforeNs, GarbageBlock after, int limit) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service keeps no garbage records");
    }

    /** Removes garbage records (matched by time and block id) whose objects the caller has deleted; absent ones are ignored. */
    default void forgetGarbage(String volume, List<GarbageBlock> done) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service keeps no garbage records");
    }

    /**
     * The live block map entries of the volume (every inode, open orphans included) in (ino, index)
     * order, strictly after {@code after} (null: from the first), at most {@code limit} (capped).
     */
    default List<LiveBlock> liveBlocks(String volume, LiveBlock after, int limit) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service does not list block maps");
    }

    /** The block id high-water mark and the oldest live session of the volume. */
    default GcClients gcClients(String volume) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service does not report its clients to GC");
    }

    // ---- sessions ------------------------------------------------------------------------------

    /** Opens a client session on a volume (ENOENT if unknown); {@code clientName} is for operators. */
    SessionInfo openSession(String volume, String clientName);

    /**
     * Opens a read-only session on the volume as it was at {@code atEpochNs} (nanoseconds since the
     * epoch): a time-travel view. Every namespace read answers as of that instant; every mutation fails
     * with EROFS. EINVAL, naming the oldest instant available, if the instant is outside the volume's
     * retention window. Heartbeat and close it like any session.
     */
    default SessionInfo openSession(String volume, String clientName, long atEpochNs) {
        throw FsException.of(Errno.ENOTSUP, "this metadata service has no time travel");
    }

    /** Keeps a session alive; ESTALE if the server has already expired it. */
    void heartbeat(long session);

    /** Ends a session: its open files are released (unlinked ones are then deleted). */
    void closeSession(long session);

    // ---- namespace -----------------------------------------------------------------------------

    /** The child {@code name} of directory {@code parent}. ENOENT, ENOTDIR, EACCES (no search permission). */
    Attr lookup(Ctx ctx, long parent, String name);

    Attr getAttr(Ctx ctx, long ino);

    /** Applies the changes POSIX allows this caller (EPERM otherwise); returns the new attributes. */
    Attr setAttr(Ctx ctx, long ino, SetAttr changes);

    /**
     * Creates a non-directory node (regular, fifo, socket, device) with {@code mode} already masked by the
     * umask, or carrying it ({@link #withUmask}); the same holds for create and mkdir.
     */
    Attr mknod(Ctx ctx, long parent, String name, int mode, int rdev);

    /** Creates a regular file and opens it for this session in one step (see {@link #open}). EEXIST if present. */
    Attr create(Ctx ctx, long parent, String name, int mode, int openFlags);

    Attr mkdir(Ctx ctx, long parent, String name, int mode);

    Attr symlink(Ctx ctx, long parent, String name, String target);

    String readlink(Ctx ctx, long ino);

    /** A new name for an existing non-directory; EPERM for directories, EMLINK past the limit. */
    Attr link(Ctx ctx, long ino, long newParent, String newName);

    /**
     * Removes a non-directory name. When the last name goes while a session still has the inode open,
     * the inode lives on (readable and writable through those opens) until its last release.
     */
    void unlink(Ctx ctx, long parent, String name);

    /** Removes an empty directory: ENOTEMPTY, ENOTDIR, EBUSY for the root. */
    void rmdir(Ctx ctx, long parent, String name);

    /** Atomic rename, replacing the target; flags RENAME_NOREPLACE / RENAME_EXCHANGE; EINVAL for a move into its own subtree. */
    void rename(Ctx ctx, long parent, String name, long newParent, String newName, int flags);

    /** Names of a directory after {@code after} (null: from the start), at most {@code limit}; attributes when {@code plus}. */
    DirPage readDir(Ctx ctx, long ino, String after, int limit, boolean plus);

    /** Checks access(2) permission bits {@code mask} (R_OK|W_OK|X_OK, or F_OK); EACCES if refused. */
    void access(Ctx ctx, long ino, int mask);

    /**
     * Opens an inode for this session with open(2) {@code flags} (permission checked; O_TRUNC truncates)
     * and returns its attributes; the session holds it until {@link #release}.
     */
    Attr open(Ctx ctx, long ino, int flags);

    /** Ends one open of this session; the last release of an unlinked inode deletes it. */
    void release(Ctx ctx, long ino);

    /**
     * The volume's usage (bytes of the blocks of its current files, holes and history excluded; inodes)
     * and its quota (0: none).
     */
    StatFs statFs(Ctx ctx);

    // ---- data ----------------------------------------------------------------------------------

    /** The blocks of {@code ino} with index in {@code [fromIndex, fromIndex+count)}, present ones only, by index. */
    List<BlockRef> blocks(Ctx ctx, long ino, long fromIndex, int count);

    /**
     * Points the given block indexes of {@code ino} at new objects, in one transaction, and raises the
     * size to at least {@code minSize}; sets mtime/ctime to {@code mtimeNs} and clears suid/sgid
     * as a write must. The blocks replaced become garbage (kept for time travel). Returns the new attributes.
     */
    Attr commitBlocks(Ctx ctx, long ino, List<BlockRef> blocks, long minSize, long mtimeNs);

    /**
     * Makes blocks {@code [fromIndex, fromIndex+count)} of {@code ino} holes (fallocate's PUNCH_HOLE of whole
     * blocks): they read as zeros and take no space; the size stays. The blocks dropped become garbage
     * like overwritten ones; mtime and ctime are set. Returns the new attributes.
     */
    Attr punchBlocks(Ctx ctx, long ino, long fromIndex, long count);

    /** Reserves {@code count} fresh block ids for this session and returns the first; ids are never reused. */
    long reserveBlockIds(Ctx ctx, int count);

    // ---- extended attributes -------------------------------------------------------------------

    /** ENODATA if absent. */
    byte[] getXattr(Ctx ctx, long ino, String name);

    /** flags: XATTR_CREATE (EEXIST if present), XATTR_REPLACE (ENODATA if absent). */
    void setXattr(Ctx ctx, long ino, String name, byte[] value, int flags);

    List<String> listXattr(Ctx ctx, long ino);

    /** ENODATA if absent. */
    void removeXattr(Ctx ctx, long ino, String name);

    // ---- locks ---------------------------------------------------------------------------------

    /** {@link #setLock} results. */
    int LOCK_GRANTED = 0, LOCK_WAITING = 1;

    /**
     * F_GETLK: a lock held by another owner (of any session) that conflicts with {@code lock}, with
     * the holder's pid and owner 0, or null if {@code lock} could be granted now.
     */
    LockSpec testLock(Ctx ctx, long ino, LockSpec lock);

    /**
     * F_SETLK / F_SETLKW / flock: takes, changes or (type UNLCK) drops {@code lock} for the owner
     * (session, lock.owner). With {@code waitMillis} 0 a conflict fails with EAGAIN. Otherwise the
     * request queues under {@code waitId} (chosen by the client, unique in its session) and this call
     * waits at most {@code waitMillis}: LOCK_GRANTED, or LOCK_WAITING if it is still queued; calling
     * again with the same waitId goes on waiting in the same place. EDEADLK if waiting would close a
     * cycle of POSIX owners waiting for each other; EINTR once {@link #cancelLockWait} took it out.
     */
    int setLock(Ctx ctx, long ino, LockSpec lock, long waitId, int waitMillis);

    /** Takes a queued request out; true if it was still waiting (it then fails EINTR), false if granted or unknown. */
    boolean cancelLockWait(Ctx ctx, long waitId);

    /** Drops every lock of {@code owner} on {@code ino}, both kinds (close of a descriptor, release of an open file). */
    void releaseLocks(Ctx ctx, long ino, long owner);

    /**
     * Re-asserts the locks this session held before the server restarted (the server keeps locks in
     * memory only). Until every session that existed at its start has reclaimed or ended, the server
     * grants no other lock on that volume, so no one can take a lock its holder still believes it has.
     * Returns how many claims could not be restored (a late reclaim that now conflicts).
     */
    int reclaimLocks(Ctx ctx, List<LockClaim> held);

    /**
     * Runs {@code listener} (on a thread of its own) whenever this client finds that the server
     * restarted; a client holding locks reclaims them then. Only remote services restart under a client.
     */
    default void onServerRestart(Runnable listener) {}

    // ---- coherence between clients (ADR 0120) ----------------------------------------------------

    /**
     * Waits up to {@code waitMillis} for changes that other sessions of {@code session}'s volume
     * committed after {@code cursor} of feed {@code feed} (0, 0 to start: the answer is then a reset
     * with the current position), and returns at most {@code max} of them; an empty batch when none
     * came in time. Changes made by {@code session} itself are left out. Calling it again with the same
     * arguments returns the same changes, so a lost reply is safely asked for again. ENOSYS from a
     * service without a feed: clients then rely on cache timeouts alone.
     */
    default ChangeBatch changes(long session, long feed, long cursor, int max, int waitMillis) {
        throw FsException.of(Errno.ENOSYS, "this metadata service has no change feed");
    }

    /**
     * For each of {@code inos}, whether it has any extended attribute (false for an inode that does
     * not exist), in one call: lets a client answer ENODATA itself for inodes with none.
     */
    default boolean[] xattrHolders(Ctx ctx, long[] inos) {
        boolean[] out = new boolean[inos.length];
        for (int i = 0; i < inos.length; i++) {
            try {
                out[i] = !listXattr(ctx, inos[i]).isEmpty();
            } catch (FsException e) {
                if (e.errno() != Errno.ENOENT) throw e;
            }
        }
        return out;
    }

    @Override
    void close();
}
