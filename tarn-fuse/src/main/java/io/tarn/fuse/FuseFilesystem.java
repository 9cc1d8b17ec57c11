package io.tarn.fuse;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What a filesystem implements to be served by a {@link FuseSession}: one method per FUSE low-level
 * operation, addressed by node id (the root is {@code 1}). Every method may throw {@link FsException};
 * its errno becomes the reply. Methods not overridden answer ENOSYS, which for ACCESS, FLUSH, FSYNC,
 * XATTR, LSEEK, COPY_FILE_RANGE and FALLOCATE makes the kernel stop asking or fall back.
 *
 * <p>Methods run on the worker thread that read the request and may be called concurrently for
 * different requests. To answer later from any thread, call {@link Request#defer()} and return
 * anything (the return value is then ignored). Every reply that hands the kernel a node id (LOOKUP,
 * MKNOD, MKDIR, SYMLINK, LINK, CREATE and each READDIRPLUS entry other than "." and "..") counts
 * one lookup that the kernel later returns through {@link #forget}.
 */
public interface FuseFilesystem {

    private static FsException nosys() {
        return new FsException(Errno.ENOSYS, null);
    }

    /**
     * The session is set up; {@code connection} holds what the kernel and we agreed on. Called once
     * per process: after INIT, or after {@link #importState} when taking over a live session.
     */
    default void init(Connection connection) {}

    /** The kernel is done with this filesystem (unmount); no request follows. */
    default void destroy() {}

    /** Looks up {@code name} in directory {@code parent}; ENOENT, or {@link Entry#negative} to cache the miss. */
    default Entry lookup(Request r, long parent, String name) { throw nosys(); }

    /** The kernel dropped {@code nlookup} references to {@code ino}; no reply. Also used for BATCH_FORGET. */
    default void forget(long ino, long nlookup) {}

    /** Attributes of {@code ino}; {@code fh} is the open handle when the kernel sent one, else -1. */
    default Attributes getattr(Request r, long ino, long fh) { throw nosys(); }

    /** Applies the changes whose bits are set in {@code changes.valid()}; {@code fh} as in getattr. */
    default Attributes setattr(Request r, long ino, SetAttr changes, long fh) { throw nosys(); }

    default String readlink(Request r, long ino) { throw nosys(); }

    default Entry symlink(Request r, long parent, String name, String target) { throw nosys(); }

    /** {@code mode} includes the file type; {@code umask} is the caller's, already applied by the kernel unless DONT_MASK. */
    default Entry mknod(Request r, long parent, String name, int mode, int rdev, int umask) { throw nosys(); }

    default Entry mkdir(Request r, long parent, String name, int mode, int umask) { throw nosys(); }

    default void unlink(Request r, long parent, String name) { throw nosys(); }

    default void rmdir(Request r, long parent, String name) { throw nosys(); }

    /** Renames; {@code flags} are renameat2's RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4). */
    default void rename(Request r, long parent, String name, long newParent, String newName, int flags) { throw nosys(); }

    default Entry link(Request r, long ino, long newParent, String newName) { throw nosys(); }

    /** Opens a file; {@code flags} are open(2)'s. The reply's flags choose keep_cache / direct_io for this open. */
    default Opened open(Request r, long ino, int flags) { throw nosys(); }

    /**
     * Reads up to {@code size} bytes at {@code offset}; fewer means end of file (unless direct_io).
     * The segments are written to the kernel after the method returns (or when a deferred reply
     * completes), so they must stay valid until then; {@link Request#buffer(int)} offers scratch space.
     */
    default Data read(Request r, long ino, long fh, long offset, int size) { throw nosys(); }

    /**
     * Writes {@code data} at {@code offset} and returns the count written. {@code data} lives in the
     * request buffer: valid only until this method returns, so copy it before deferring.
     */
    default int write(Request r, long ino, long fh, long offset, MemorySegment data, int writeFlags) { throw nosys(); }

    default FsStats statfs(Request r, long ino) { throw nosys(); }

    /** The last reference to an open file is gone; {@code flags} are the open flags. Errors are ignored by the kernel. */
    default void release(Request r, long ino, long fh, int flags) { throw nosys(); }

    default void fsync(Request r, long ino, long fh, boolean dataOnly) { throw nosys(); }

    /** {@code flags}: XATTR_CREATE (1) or XATTR_REPLACE (2). */
    default void setxattr(Request r, long ino, String name, byte[] value, int flags) { throw nosys(); }

    /** The value, or ENODATA. Sizing (the size-0 probe and ERANGE) is handled by the transport. */
    default byte[] getxattr(Request r, long ino, String name) { throw nosys(); }

    /** All names; sizing is handled by the transport. */
    default List<String> listxattr(Request r, long ino) { throw nosys(); }

    default void removexattr(Request r, long ino, String name) { throw nosys(); }

    /** A file descriptor of this open file was closed (called once per close(2), possibly many times per open). */
    default void flush(Request r, long ino, long fh, long lockOwner) { throw nosys(); }

    default Opened opendir(Request r, long ino, int flags) { throw nosys(); }

    /** Adds entries after position {@code offset} (0 = start) until the sink is full; each carries its own next offset. */
    default void readdir(Request r, long ino, long fh, long offset, DirSink sink) { throw nosys(); }

    /** Like readdir with attributes; each added entry with a node id counts one lookup. Asked only if {@link FuseConfig#readdirplus}. */
    default void readdirplus(Request r, long ino, long fh, long offset, DirSink sink) { throw nosys(); }

    default void releasedir(Request r, long ino, long fh) { throw nosys(); }

    default void fsyncdir(Request r, long ino, long fh, boolean dataOnly) { throw nosys(); }

    /** Tests a POSIX lock: the conflicting lock, or one with type F_UNLCK (2). */
    default FileLock getlk(Request r, long ino, long fh, long owner, FileLock lock) { throw nosys(); }

    /** Takes or releases a lock; {@code wait} for SETLKW, {@code flock} for flock(2) locks. */
    default void setlk(Request r, long ino, long fh, long owner, FileLock lock, boolean wait, boolean flock) { throw nosys(); }

    /** access(2) check with mask R_OK/W_OK/X_OK (4/2/1) or F_OK (0); not sent with default_permissions. */
    default void access(Request r, long ino, int mask) { throw nosys(); }

    /** Creates and opens a regular file; on ENOSYS the kernel falls back to MKNOD + OPEN. */
    default Created create(Request r, long parent, String name, int mode, int umask, int flags) { throw nosys(); }

    default void fallocate(Request r, long ino, long fh, int mode, long offset, long length) { throw nosys(); }

    /** SEEK_DATA (3) / SEEK_HOLE (4) (others are answered by the kernel). */
    default long lseek(Request r, long ino, long fh, long offset, int whence) { throw nosys(); }

    default long copyFileRange(Request r, long inoIn, long fhIn, long offIn, long inoOut, long fhOut,
                               long offOut, long length, int flags) { throw nosys(); }

    /** A restricted ioctl: {@code in} holds the argument bytes the kernel copied; return the result and output bytes. */
    default IoctlResult ioctl(Request r, long ino, long fh, int cmd, MemorySegment in, int outSize, int flags) { throw nosys(); }

    /**
     * Everything a successor process needs to continue serving this mount (node table with lookup
     * counts, open handles, ...), as opaque bytes; called during a handoff after the last request
     * has been answered. Filesystems that cannot be handed over keep the default.
     */
    default byte[] exportState() {
        throw new UnsupportedOperationException(getClass().getName() + " cannot hand off its state");
    }

    /** Restores what a predecessor's {@link #exportState} produced, before the first request is served. */
    default void importState(byte[] state) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot take over a session");
    }
}
