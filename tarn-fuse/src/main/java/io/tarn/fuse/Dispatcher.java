package io.tarn.fuse;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;
import io.tarn.fuse.proto.Opcode;
import io.tarn.fuse.proto.Proto;

import java.lang.foreign.MemorySegment;

import static io.tarn.fuse.Wire.i32;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static io.tarn.fuse.Wire.i64;

/**
 * Decodes one request, calls the filesystem, and hands the result to the {@link Replier}. A request
 * too short for its opcode's arguments is logged and answered EIO; the session goes on.
 */
final class Dispatcher {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final int[] NO_GROUPS = new int[0];
    private static final int H = Proto.IN_HEADER;

    /** Thrown for malformed input; never escapes the dispatcher. */
    static final class Malformed extends RuntimeException {
        Malformed(String m) {
            super(m, null, false, false);
        }
    }

    private final FuseSession session;
    private final FuseFilesystem fs;

    Dispatcher(FuseSession session, FuseFilesystem fs) {
        this.session = session;
        this.fs = fs;
    }

    void dispatch(Queue q, Worker w, MemorySegment in, int n) {
        if (n < 16) {
            LOG.log(System.Logger.Level.WARNING, "dropping a {0}-byte request: too short for a header", n);
            return;
        }
        long unique = i64(in, 8);
        int len = i32(in, 0);
        if (n < H || len != n) {
            LOG.log(System.Logger.Level.WARNING, "malformed request #{0}: read {1} bytes, header says {2}; answering EIO", unique, n, len);
            session.replier.error(new Request(q, unique, 0, 0, 0, 0, 0, NO_GROUPS), Errno.EIO.code, w == null ? null : w.outbox());
            return;
        }
        int opcode = i32(in, 4);
        session.count(opcode);
        int extLen = Short.toUnsignedInt(in.get(JAVA_SHORT_UNALIGNED, 36)) * 8;
        int end = len - extLen;
        Request r = new Request(q, unique, opcode, i64(in, 16), i32(in, 24), i32(in, 28), i32(in, 32),
                extLen > 0 && end >= H ? groups(in, end, len) : NO_GROUPS);
        r.worker = w;
        if (end < H) {
            malformed(r, w, "extension length " + extLen + " exceeds the request");
            return;
        }
        switch (opcode) {
            case Opcode.FORGET -> {
                if (end >= H + 8) fs.forget(r.nodeId, i64(in, H));
                return;
            }
            case Opcode.BATCH_FORGET -> {
                int count = end >= H + 8 ? i32(in, H) : 0;
                for (int i = 0; i < count && H + 8 + 16L * (i + 1) <= end; i++) {
                    fs.forget(i64(in, H + 8 + 16L * i), i64(in, H + 16 + 16L * i));
                }
                return;
            }
            case Opcode.INTERRUPT -> {
                if (end >= H + 8) session.interrupt(i64(in, H));
                return;
            }
            default -> { }
        }
        Object result;
        try {
            result = call(r, in, end, w);
        } catch (FsException e) {
            if (r.isDeferred()) r.deferred().fail(e); // thrown after defer(): still answered, once
            else session.replier.error(r, e.errno().code, w == null ? null : w.outbox());
            return;
        } catch (Malformed e) {
            if (r.isDeferred()) r.deferred().fail(Errno.EIO);
            else malformed(r, w, e.getMessage());
            return;
        } catch (RuntimeException | Error e) {
            if (r.isDeferred()) {
                r.deferred().fail(e);
            } else {
                session.replier.logUnexpected(r, e);
                session.replier.error(r, Errno.EIO.code, w == null ? null : w.outbox());
            }
            return;
        }
        if (!r.isDeferred()) session.replier.reply(r, result, w == null ? null : w.outbox());
    }

    private void malformed(Request r, Worker w, String why) {
        LOG.log(System.Logger.Level.WARNING, "malformed request {0}: {1}; answering EIO", r, why);
        session.replier.error(r, Errno.EIO.code, w == null ? null : w.outbox());
    }

    private static int[] groups(MemorySegment in, int from, int len) {
        int at = from;
        while (at + 8 <= len) {
            int size = i32(in, at), type = i32(in, at + 4);
            if (size < 8 || at + size > len) break;
            if (type == Proto.EXT_GROUPS && size >= 12) {
                int nr = Math.min(i32(in, at + 8), (size - 12) / 4);
                int[] g = new int[Math.max(0, nr)];
                for (int i = 0; i < g.length; i++) g[i] = i32(in, at + 12 + 4L * i);
                return g;
            }
            at += size;
        }
        return NO_GROUPS;
    }

    private static void need(Request r, int end, int args) {
        if (end < H + args) throw new Malformed(Opcode.name(r.opcode) + " needs " + args + " argument bytes, got " + (end - H));
    }

    private static String name(MemorySegment in, long at, int end) {
        long stop = Wire.stringEnd(in, at, end);
        if (stop < 0) throw new Malformed("name not terminated");
        return Wire.string(in, at, stop - 1);
    }

    private static long nameEnd(MemorySegment in, long at, int end) {
        long stop = Wire.stringEnd(in, at, end);
        if (stop < 0) throw new Malformed("name not terminated");
        return stop;
    }

    private Object call(Request r, MemorySegment in, int end, Worker w) {
        long ino = r.nodeId;
        switch (r.opcode) {
            case Opcode.INIT -> {
                need(r, end, 8);
                return session.negotiate(r, in, end);
            }
            case Opcode.DESTROY -> {
                fs.destroy();
                return null;
            }
            case Opcode.LOOKUP -> {
                return fs.lookup(r, ino, name(in, H, end));
            }
            case Opcode.GETATTR -> {
                need(r, end, 16);
                return fs.getattr(r, ino, (i32(in, H) & Proto.GETATTR_FH) != 0 ? i64(in, H + 8) : -1);
            }
            case Opcode.SETATTR -> {
                need(r, end, 88);
                int valid = i32(in, H);
                long fh = (valid & Proto.FATTR_FH) != 0 ? i64(in, H + 8) : -1;
                SetAttr sa = new SetAttr(valid & ~(Proto.FATTR_FH | 512), i32(in, H + 68), i32(in, H + 76),
                        i32(in, H + 80), i64(in, H + 16),
                        i64(in, H + 32) * 1_000_000_000L + Integer.toUnsignedLong(i32(in, H + 56)),
                        i64(in, H + 40) * 1_000_000_000L + Integer.toUnsignedLong(i32(in, H + 60)),
                        i64(in, H + 48) * 1_000_000_000L + Integer.toUnsignedLong(i32(in, H + 64)));
                return fs.setattr(r, ino, sa, fh);
            }
            case Opcode.READLINK -> {
                return fs.readlink(r, ino);
            }
            case Opcode.SYMLINK -> {
                long e = nameEnd(in, H, end);
                return fs.symlink(r, ino, Wire.string(in, H, e - 1), name(in, e, end));
            }
            case Opcode.MKNOD -> {
                need(r, end, 16);
                return fs.mknod(r, ino, name(in, H + 16, end), i32(in, H), i32(in, H + 4), i32(in, H + 8));
            }
            case Opcode.MKDIR -> {
                need(r, end, 8);
                return fs.mkdir(r, ino, name(in, H + 8, end), i32(in, H), i32(in, H + 4));
            }
            case Opcode.UNLINK -> {
                fs.unlink(r, ino, name(in, H, end));
                return null;
            }
            case Opcode.RMDIR -> {
                fs.rmdir(r, ino, name(in, H, end));
                return null;
            }
            case Opcode.RENAME, Opcode.RENAME2 -> {
                int fixed = r.opcode == Opcode.RENAME ? 8 : 16;
                need(r, end, fixed);
                long e = nameEnd(in, H + fixed, end);
                int flags = r.opcode == Opcode.RENAME ? 0 : i32(in, H + 8);
                fs.rename(r, ino, Wire.string(in, H + fixed, e - 1), i64(in, H), name(in, e, end), flags);
                return null;
            }
            case Opcode.LINK -> {
                need(r, end, 8);
                return fs.link(r, i64(in, H), ino, name(in, H + 8, end));
            }
            case Opcode.OPEN -> {
                need(r, end, 8);
                return fs.open(r, ino, i32(in, H));
            }
            case Opcode.OPENDIR -> {
                need(r, end, 8);
                return fs.opendir(r, ino, i32(in, H));
            }
            case Opcode.READ -> {
                need(r, end, 24);
                int size = i32(in, H + 16);
                if (size < 0 || size > session.maxRead()) throw new Malformed("READ of " + Integer.toUnsignedString(size) + " bytes");
                return fs.read(r, ino, i64(in, H), i64(in, H + 8), size);
            }
            case Opcode.WRITE -> {
                need(r, end, 40);
                int size = i32(in, H + 16);
                if (size < 0 || H + 40L + size > end) throw new Malformed("WRITE of " + Integer.toUnsignedString(size) + " bytes exceeds the request");
                MemorySegment landed = w != null ? w.writeData(r, size) : null;
                MemorySegment data = landed != null ? landed : in.asSlice(H + 40, size);
                return fs.write(r, ino, i64(in, H), i64(in, H + 8), data, i32(in, H + 20));
            }
            case Opcode.STATFS -> {
                return fs.statfs(r, ino);
            }
            case Opcode.RELEASE, Opcode.RELEASEDIR -> {
                need(r, end, 24);
                if (r.opcode == Opcode.RELEASE) fs.release(r, ino, i64(in, H), i32(in, H + 8));
                else fs.releasedir(r, ino, i64(in, H));
                return null;
            }
            case Opcode.FSYNC, Opcode.FSYNCDIR -> {
                need(r, end, 16);
                boolean dataOnly = (i32(in, H + 8) & Proto.FSYNC_FDATASYNC) != 0;
                if (r.opcode == Opcode.FSYNC) fs.fsync(r, ino, i64(in, H), dataOnly);
                else fs.fsyncdir(r, ino, i64(in, H), dataOnly);
                return null;
            }
            case Opcode.SETXATTR -> {
                int fixed = session.connection().has(Proto.SETXATTR_EXT) ? 16 : 8;
                need(r, end, fixed);
                int size = i32(in, H);
                long e = nameEnd(in, H + fixed, end);
                if (size < 0 || e + size > end) throw new Malformed("xattr value exceeds the request");
                fs.setxattr(r, ino, Wire.string(in, H + fixed, e - 1), Wire.bytes(in, e, size), i32(in, H + 4));
                return null;
            }
            case Opcode.GETXATTR -> {
                need(r, end, 8);
                r.sizeArg = i32(in, H);
                return fs.getxattr(r, ino, name(in, H + 8, end));
            }
            case Opcode.LISTXATTR -> {
                need(r, end, 8);
                r.sizeArg = i32(in, H);
                return fs.listxattr(r, ino);
            }
            case Opcode.REMOVEXATTR -> {
                fs.removexattr(r, ino, name(in, H, end));
                return null;
            }
            case Opcode.FLUSH -> {
                need(r, end, 24);
                fs.flush(r, ino, i64(in, H), i64(in, H + 16));
                return null;
            }
            case Opcode.READDIR, Opcode.READDIRPLUS -> {
                need(r, end, 24);
                int size = i32(in, H + 16);
                if (size < 0) throw new Malformed("READDIR of negative size");
                r.box = w != null ? w.outbox() : Outbox.allocate(size);
                boolean plus = r.opcode == Opcode.READDIRPLUS;
                r.dir = new DirBuffer(r.box.payload(size), size, plus, session.config.entryTimeoutNanos(),
                        session.config.attrTimeoutNanos());
                if (plus) fs.readdirplus(r, ino, i64(in, H), i64(in, H + 8), r.dir);
                else fs.readdir(r, ino, i64(in, H), i64(in, H + 8), r.dir);
                return null;
            }
            case Opcode.GETLK, Opcode.SETLK, Opcode.SETLKW -> {
                need(r, end, 48);
                FileLock lk = Wire.lock(in, H + 16);
                if (r.opcode == Opcode.GETLK) return fs.getlk(r, ino, i64(in, H), i64(in, H + 8), lk);
                fs.setlk(r, ino, i64(in, H), i64(in, H + 8), lk, r.opcode == Opcode.SETLKW,
                        (i32(in, H + 40) & Proto.LK_FLOCK) != 0);
                return null;
            }
            case Opcode.ACCESS -> {
                need(r, end, 8);
                fs.access(r, ino, i32(in, H));
                return null;
            }
            case Opcode.CREATE -> {
                need(r, end, 16);
                return fs.create(r, ino, name(in, H + 16, end), i32(in, H + 4), i32(in, H + 8), i32(in, H));
            }
            case Opcode.FALLOCATE -> {
                need(r, end, 32);
                fs.fallocate(r, ino, i64(in, H), i32(in, H + 24), i64(in, H + 8), i64(in, H + 16));
                return null;
            }
            case Opcode.LSEEK -> {
                need(r, end, 24);
                return fs.lseek(r, ino, i64(in, H), i64(in, H + 8), i32(in, H + 16));
            }
            case Opcode.COPY_FILE_RANGE -> {
                need(r, end, 56);
                return fs.copyFileRange(r, ino, i64(in, H), i64(in, H + 8), i64(in, H + 16), i64(in, H + 24),
                        i64(in, H + 32), i64(in, H + 40), (int) i64(in, H + 48));
            }
            case Opcode.IOCTL -> {
                need(r, end, 32);
                int inSize = i32(in, H + 24);
                if (inSize < 0 || H + 32L + inSize > end) throw new Malformed("IOCTL input exceeds the request");
                r.sizeArg = i32(in, H + 28);
                return fs.ioctl(r, ino, i64(in, H), i32(in, H + 12), in.asSlice(H + 32, inSize), r.sizeArg, i32(in, H + 8));
            }
            default -> throw new FsException(Errno.ENOSYS, null);
        }
    }
}
