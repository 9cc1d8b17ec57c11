package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A filesystem at the inode level, one method per FUSE low-level operation. Inodes are longs
 * ({@link #rootIno()} is the root); every failure is an {@link io.tarn.api.FsException} carrying the
 * errno to reply. Operations on an open file or directory take the handle {@code open}, {@code create}
 * or {@code opendir} returned; permissions are checked when a handle is made, with the caller given then.
 * Thread-safe: any operation may run concurrently with any other.
 *
 * <p>Durability: {@code write} buffers; {@code flush}, {@code fsync} and {@code release} return only when
 * every write made through the handle's file before them is in the object store and committed on the
 * metadata server. Consistency is close-to-open: {@code open} revalidates size and block map.
 */
public interface Vfs extends AutoCloseable {
    /** The root directory's inode. */
    long rootIno();

    /** The volume's block size: a good preferred I/O size. */
    int blockSize();

    Attr lookup(Caller c, long parent, String name);

    /** Attributes, including this client's unflushed size and mtime for a file it has open. */
    Attr getattr(Caller c, long ino);

    /** chmod, chown, truncate (SIZE: grow or shrink; holes read as zeros), utimens; returns the new attributes. */
    Attr setattr(Caller c, long ino, SetAttr changes);

    Attr mknod(Caller c, long parent, String name, int mode, int rdev);

    Attr mkdir(Caller c, long parent, String name, int mode);

    /** Removes a name; a file still open (here or elsewhere) lives on until its last release. */
    void unlink(Caller c, long parent, String name);

    void rmdir(Caller c, long parent, String name);

    Attr symlink(Caller c, long parent, String name, String target);

    String readlink(Caller c, long ino);

    Attr link(Caller c, long ino, long newParent, String newName);

    /** flags: {@link io.tarn.api.MetaService#RENAME_NOREPLACE}, {@link io.tarn.api.MetaService#RENAME_EXCHANGE}. */
    void rename(Caller c, long parent, String name, long newParent, String newName, int flags);

    /** Opens a file with open(2) flags ({@link OpenFlags}: access mode, O_TRUNC, O_APPEND); returns a handle. */
    long open(Caller c, long ino, int flags);

    /**
     * True if the file's data did not change since this client last had it in a page cache (same size and
     * mtime as then), so the kernel may keep its cached pages for this open (close-to-open holds: the open
     * itself asked the server).
     */
    default boolean keepCache(long fh) {
        return false;
    }

    /** A new file's handle and attributes. */
    record Created(long fh, Attr attr) {}

    /** Creates and opens a regular file (EEXIST if the name exists). */
    Created create(Caller c, long parent, String name, int mode, int flags);

    /** Up to {@code size} bytes at {@code offset}; fewer at end of file, none past it. EBADF if not open for reading. */
    ByteBuffer read(long fh, long offset, int size);

    /**
     * {@link #read}, if it can be answered from memory at once; null if it would wait for the store, the
     * metadata server or another thread (then call {@link #read}). Never blocks.
     */
    default ByteBuffer readIfCached(long fh, long offset, int size) {
        return null;
    }

    /**
     * What a read of {@code [offset, offset+size)} through {@code fh} would return, if memory holds all of
     * it, else null; unlike {@link #readIfCached} it leaves the handle's read-ahead and atime state alone
     * (it is not a read by the application). Never blocks.
     */
    default ByteBuffer peekCached(long fh, long offset, int size) {
        return null;
    }

    /** Whether a mount may push the region around a small random read into the kernel's page cache. */
    default boolean readAround() {
        return false;
    }

    /** The inode of each handle open for writing, once per handle. */
    default java.util.List<Long> inodesOpenForWriting() {
        return java.util.List.of();
    }

    /** Writes {@code data}'s remaining bytes (at the end if opened O_APPEND); returns the count. EBADF if not open for writing. */
    int write(long fh, long offset, ByteBuffer data);

    /** close(2) of one descriptor: commits pending writes. */
    void flush(long fh);

    /**
     * close(2) of one descriptor by the process whose POSIX lock owner id is {@code lockOwner}: commits
     * pending writes and drops that owner's locks on the file, as POSIX wants of any close.
     */
    default void flush(long fh, long lockOwner) {
        flush(fh);
    }

    /** F_GETLK on an open file: the conflicting lock (owner 0, the holder's pid) or null. ENOSYS: no shared locks. */
    default io.tarn.api.LockSpec getlk(Caller c, long ino, long fh, io.tarn.api.LockSpec lock) {
        throw io.tarn.api.FsException.of(io.tarn.api.Errno.ENOSYS, "this client keeps no shared locks");
    }

    /**
     * F_SETLK (waitId 0: EAGAIN on conflict) or F_SETLKW / blocking flock (waitId from
     * {@link #newLockWait}: waits until granted; EDEADLK; EINTR after {@link #cancelLockWait}).
     */
    default void setlk(Caller c, long ino, long fh, io.tarn.api.LockSpec lock, long waitId) {
        throw io.tarn.api.FsException.of(io.tarn.api.Errno.ENOSYS, "this client keeps no shared locks");
    }

    /** An id for one blocking lock request. */
    default long newLockWait() {
        return 0;
    }

    /** Interrupts the blocking request {@code waitId} (the program got a signal). */
    default void cancelLockWait(Caller c, long waitId) {}

    /** Commits pending writes ({@code dataOnly} is accepted; metadata is committed either way). */
    void fsync(long fh, boolean dataOnly);

    /** The last close of a handle: commits pending writes, then ends the open. The handle is gone even if this throws. */
    void release(long fh);

    /** fallocate(2) {@code mode} bits this client knows. */
    int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_ZERO_RANGE = 0x10;

    /** fallocate(2) on an open file: allocate (extends the size unless KEEP_SIZE), PUNCH_HOLE, ZERO_RANGE. */
    default void fallocate(long fh, int mode, long offset, long length) {
        throw io.tarn.api.FsException.of(io.tarn.api.Errno.ENOSYS, "fallocate");
    }

    /** lseek(2) SEEK_DATA (3) or SEEK_HOLE (4); ENXIO past the end. */
    default long lseek(long fh, long offset, int whence) {
        throw io.tarn.api.FsException.of(io.tarn.api.Errno.ENOSYS, "lseek");
    }

    /** copy_file_range(2) between two open files; returns the bytes copied (0 at the end of the input). */
    default long copyFileRange(long fhIn, long offIn, long fhOut, long offOut, long length, int flags) {
        throw io.tarn.api.FsException.of(io.tarn.api.Errno.ENOSYS, "copy_file_range");
    }

    /** Opens a directory for listing (ENOTDIR, EACCES). */
    long opendir(Caller c, long ino);

    /** One listed name and the offset to resume after it. */
    record DirItem(String name, long ino, int type, Attr attr, long nextOffset) {}

    /**
     * Up to {@code max} entries from {@code offset} (0: the start; otherwise a {@code nextOffset} this handle
     * returned), "." and ".." first; empty at the end. With {@code plus}, entries carry attributes.
     * Offsets stay valid while the handle is open, whatever is added or removed meanwhile.
     */
    List<DirItem> readdir(long fh, long offset, int max, boolean plus);

    void releasedir(long fh);

    StatFs statfs(Caller c);

    /** ENODATA if absent. */
    byte[] getxattr(Caller c, long ino, String name);

    /** flags: {@link io.tarn.api.MetaService#XATTR_CREATE}, {@link io.tarn.api.MetaService#XATTR_REPLACE}. */
    void setxattr(Caller c, long ino, String name, byte[] value, int flags);

    List<String> listxattr(Caller c, long ino);

    void removexattr(Caller c, long ino, String name);

    /** access(2): EACCES unless the caller has all of {@code mask} (R_OK|W_OK|X_OK, or F_OK). */
    void access(Caller c, long ino, int mask);

    // ---- coherence with other clients (ADR 0120) ---------------------------------------------------

    /** Told about other clients' changes, from a thread of the client's own (never one the kernel waits on). */
    interface ChangeListener {
        void changed(List<io.tarn.api.Change> changes);

        /** Changes were lost: everything cached may be stale. */
        void dropAll();
    }

    /** Registers the one listener for other clients' changes (replacing any earlier one). */
    default void listen(ChangeListener listener) {}

    /** Grows whenever other clients' changes are applied; a reply computed while it moved may be stale. */
    default long changeStamp() {
        return 0;
    }

    /** True while other clients' changes are pushed to this client, so its caches may be kept longer. */
    default boolean changesPushed() {
        return false;
    }

    /** Flushes every open file, then ends the session. */
    @Override
    void close();
}
