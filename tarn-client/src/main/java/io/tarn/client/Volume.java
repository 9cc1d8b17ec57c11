package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A path-based view of a {@link Vfs} for tools and tests: absolute '/'-separated paths, resolved one
 * name at a time with the caller's permissions. Symbolic links are not followed (every call sees the
 * link itself). Does not own the Vfs.
 */
public final class Volume {
    private final Vfs vfs;
    private final Caller caller;

    public Volume(Vfs vfs, Caller caller) {
        this.vfs = vfs;
        this.caller = caller;
    }

    private static List<String> names(String path) {
        if (path == null || !path.startsWith("/")) throw FsException.of(Errno.EINVAL, "path must be absolute: %s", path);
        List<String> out = new ArrayList<>();
        for (String n : path.split("/")) if (!n.isEmpty() && !n.equals(".")) out.add(n);
        return out;
    }

    /** The inode at {@code path}; ENOENT, ENOTDIR along the way. */
    public long resolve(String path) {
        long ino = vfs.rootIno();
        for (String n : names(path)) ino = vfs.lookup(caller, ino, n).ino();
        return ino;
    }

    private record Parent(long ino, String name) {}

    private Parent parent(String path) {
        List<String> ns = names(path);
        if (ns.isEmpty()) throw FsException.of(Errno.EINVAL, "the root has no parent: %s", path);
        long ino = vfs.rootIno();
        for (String n : ns.subList(0, ns.size() - 1)) ino = vfs.lookup(caller, ino, n).ino();
        return new Parent(ino, ns.getLast());
    }

    public Attr stat(String path) {
        return vfs.getattr(caller, resolve(path));
    }

    public Optional<Attr> statIfExists(String path) {
        try {
            return Optional.of(stat(path));
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT) return Optional.empty();
            throw e;
        }
    }

    /** Creates the directory and any missing parents (mkdir -p); EEXIST if a non-directory is in the way. */
    public Attr mkdirs(String path, int mode) {
        long ino = vfs.rootIno();
        Attr a = vfs.getattr(caller, ino);
        for (String n : names(path)) {
            try {
                a = vfs.lookup(caller, ino, n);
            } catch (FsException e) {
                if (e.errno() != Errno.ENOENT) throw e;
                try {
                    a = vfs.mkdir(caller, ino, n, mode);
                } catch (FsException raced) {
                    if (raced.errno() != Errno.EEXIST) throw raced;
                    a = vfs.lookup(caller, ino, n);
                }
            }
            if (!a.isDir()) throw FsException.of(Errno.EEXIST, "%s is in the way of %s and is not a directory", n, path);
            ino = a.ino();
        }
        return a;
    }

    /** Creates or replaces the file's content (O_CREAT|O_TRUNC) and returns once it is durable. */
    public Attr write(String path, byte[] data) {
        Parent p = parent(path);
        long fh;
        long ino;
        try {
            Vfs.Created c = vfs.create(caller, p.ino(), p.name(), 0644, OpenFlags.O_WRONLY);
            fh = c.fh();
            ino = c.attr().ino();
        } catch (FsException e) {
            if (e.errno() != Errno.EEXIST) throw e;
            ino = vfs.lookup(caller, p.ino(), p.name()).ino();
            fh = vfs.open(caller, ino, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        }
        try {
            vfs.write(fh, 0, ByteBuffer.wrap(data));
        } finally {
            vfs.release(fh);
        }
        return vfs.getattr(caller, ino);
    }

    /** Appends to the file, creating it if absent. */
    public Attr append(String path, byte[] data) {
        Parent p = parent(path);
        long fh;
        try {
            fh = vfs.create(caller, p.ino(), p.name(), 0644, OpenFlags.O_WRONLY | OpenFlags.O_APPEND).fh();
        } catch (FsException e) {
            if (e.errno() != Errno.EEXIST) throw e;
            fh = vfs.open(caller, vfs.lookup(caller, p.ino(), p.name()).ino(), OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        }
        try {
            vfs.write(fh, 0, ByteBuffer.wrap(data));
        } finally {
            vfs.release(fh);
        }
        return stat(path);
    }

    /** The whole content of a file. */
    public byte[] read(String path) {
        long ino = resolve(path);
        long fh = vfs.open(caller, ino, OpenFlags.O_RDONLY);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int chunk = Math.max(vfs.blockSize(), 64 * 1024);
            long off = 0;
            while (true) {
                ByteBuffer b = vfs.read(fh, off, chunk);
                if (!b.hasRemaining()) break;
                byte[] a = new byte[b.remaining()];
                b.get(a);
                out.write(a, 0, a.length);
                off += a.length;
            }
            return out.toByteArray();
        } finally {
            vfs.release(fh);
        }
    }

    /** Names in a directory (without "." and ".."), in name order, read a page at a time. */
    public List<String> list(String path) {
        long fh = vfs.opendir(caller, resolve(path));
        try {
            List<String> out = new ArrayList<>();
            long off = 0;
            while (true) {
                List<Vfs.DirItem> page = vfs.readdir(fh, off, 256, false);
                if (page.isEmpty()) return out;
                for (Vfs.DirItem e : page) if (!e.name().equals(".") && !e.name().equals("..")) out.add(e.name());
                off = page.getLast().nextOffset();
            }
        } finally {
            vfs.releasedir(fh);
        }
    }

    public void rename(String from, String to) {
        Parent a = parent(from), b = parent(to);
        vfs.rename(caller, a.ino(), a.name(), b.ino(), b.name(), 0);
    }

    /** Removes a file, link or empty directory. */
    public void delete(String path) {
        Parent p = parent(path);
        Attr a = vfs.lookup(caller, p.ino(), p.name());
        if (a.isDir()) vfs.rmdir(caller, p.ino(), p.name());
        else vfs.unlink(caller, p.ino(), p.name());
    }

    public Attr symlink(String path, String target) {
        Parent p = parent(path);
        return vfs.symlink(caller, p.ino(), p.name(), target);
    }
}
