package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory, a key's '/' separating subdirectories. A put writes a
 * temporary file beside the target, forces it, renames it over the target and forces the directory,
 * so a crash leaves the old object or the new one, never a torn one, and concurrent writers of one key
 * each install a whole object (the last rename wins). A key cannot be both an object and the prefix of
 * another key's directory ("a" and "a/b"); such a put fails without retry. Listing walks the tree in
 * key order without reading it whole.
 */
public final class LocalDirObjectStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(LocalDirObjectStore.class.getName());
    private static final int MKDIR_ATTEMPTS = 8;

    private final Path root;
    private volatile boolean closed;

    public LocalDirObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw failure("cannot create store directory " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        checkOpen();
        Path file = path(key);
        if (offset < 0) throw new ObjectStoreException("negative offset " + offset + " for " + key, false);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = Math.min(offset, size);
            long to = length < 0 ? size : Math.min(size, from + length);
            if (to - from > Integer.MAX_VALUE - 16)
                throw new ObjectStoreException("range too large for one buffer in " + key, false);
            ByteBuffer buf = ByteBuffer.allocate((int) (to - from));
            long pos = from;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) break; // shrank under us: cannot happen to an object replaced by rename, but be safe
                pos += n;
            }
            return Optional.of(buf.flip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isDirectory(file) || notADirectory(e)) return Optional.empty();
            throw failure("get " + key, e);
        }
    }

    @Override
    public void put(String key, ByteBuffer data) {
        checkOpen();
        Path target = path(key);
        Path dir = target.getParent();
        ByteBuffer src = data.duplicate();
        for (int attempt = 1; ; attempt++) {
            Path tmp = null;
            try {
                boolean newDir = !Files.isDirectory(dir);
                if (newDir) Files.createDirectories(dir);
                tmp = dir.resolve(ObjectKeys.TEMP_PREFIX + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer b = src.duplicate();
                    while (b.hasRemaining()) ch.write(b);
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                tmp = null;
                forceDirectory(dir);
                // Directories made for this key must survive a crash too: their entries live in their parents.
                if (newDir) for (Path d = dir.getParent(); d != null && d.startsWith(root); d = d.getParent()) forceDirectory(d);
                return;
            } catch (NoSuchFileException e) {
                // A concurrent delete removed an empty parent directory between mkdir and create: go again.
                if (attempt >= MKDIR_ATTEMPTS) throw failure("put " + key, e);
            } catch (FileAlreadyExistsException | NotDirectoryException | DirectoryNotEmptyException e) {
                throw new ObjectStoreException("put " + key + ": the key collides with another key's directory or object in "
                        + root + " (" + e.getMessage() + ")", false, e);
            } catch (AtomicMoveNotSupportedException e) {
                throw new ObjectStoreException("put " + key + ": " + root + " does not support atomic rename", false, e);
            } catch (IOException e) {
                if (Files.isDirectory(target))
                    throw new ObjectStoreException("put " + key + ": a directory of other keys is in the way in " + root, false, e);
                throw failure("put " + key, e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // best effort: a stray temp file is skipped by listings
                    }
                }
            }
        }
    }

    @Override
    public void delete(String key) {
        checkOpen();
        Path file = path(key);
        try {
            if (Files.isRegularFile(file)) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw failure("delete " + key, e);
        }
        pruneEmptyParents(file.getParent());
    }

    private void pruneEmptyParents(Path dir) {
        while (dir != null && !dir.equals(root) && dir.startsWith(root)) {
            // Only directories: a parent that is a file is another key's object.
            if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
            try {
                Files.delete(dir);
            } catch (IOException e) {
                return; // not empty, gone already, or raced with a put: all fine
            }
            dir = dir.getParent();
        }
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        checkOpen();
        return new LocalDirListing(root, prefix == null ? "" : prefix, startAfter).stream();
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        checkOpen();
        try {
            BasicFileAttributes a = Files.readAttributes(path(key), BasicFileAttributes.class);
            if (!a.isRegularFile()) return Optional.empty();
            return Optional.of(new ObjectInfo(key, a.size(), a.lastModifiedTime().toMillis()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (notADirectory(e)) return Optional.empty();
            throw failure("head " + key, e);
        }
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    @Override
    public void close() {
        closed = true;
    }

    private Path path(String key) {
        return root.resolve(ObjectKeys.check(key));
    }

    private void checkOpen() {
        if (closed) throw new ObjectStoreException("store " + describe() + " is closed", false);
    }

    /** A parent of the path is an object (a file): the key cannot exist. */
    private static boolean notADirectory(IOException e) {
        return e instanceof NotDirectoryException
                || (e instanceof java.nio.file.FileSystemException f && f.getReason() != null && f.getReason().contains("Not a directory"));
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse fsync on a directory; the rename is still atomic there.
            LOG.log(System.Logger.Level.DEBUG, "directory fsync refused for {0}: {1}", dir, e.toString());
        }
    }

    private ObjectStoreException failure(String what, IOException e) {
        // Permission and space problems do not go away by retrying; transient I/O errors may.
        boolean retryable = !(e instanceof AccessDeniedException)
                && (e.getMessage() == null || !e.getMessage().contains("No space left"));
        return new ObjectStoreException(what + " in " + root + ": " + e, retryable, e);
    }
}
