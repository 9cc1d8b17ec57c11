package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.LockClaim;
import io.tarn.api.LockSpec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link TarnVfs} hands to its successor process in a live upgrade: the metadata session it
 * continues, the id counters (request ids must keep growing within the session), and the open file
 * and directory handles the kernel still refers to, and the locks the session holds with the open
 * files they were taken through (version 2; a version 1 state, from before server-held locks, has
 * none). Encoded as versioned bytes.
 */
record VfsState(String volume, long session, long nextRequestId, long nextHandle, List<File> files, List<Dir> dirs,
                List<LockClaim> locks, List<LockedFile> lockedFiles) {
    private static final int MAGIC = 0x54564653; // "TVFS"
    private static final int VERSION = 2;

    /** An open file handle and the lock owners that locked through it. */
    record LockedFile(long fh, long ino, List<Long> owners) {}

    record File(long fh, long ino, int type, int flags, Caller caller, long lastReadEnd) {}

    record Dir(long fh, long ino, Caller caller) {}

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(volume);
            out.writeLong(session);
            out.writeLong(nextRequestId);
            out.writeLong(nextHandle);
            out.writeInt(files.size());
            for (File f : files) {
                out.writeLong(f.fh);
                out.writeLong(f.ino);
                out.writeInt(f.type);
                out.writeInt(f.flags);
                caller(out, f.caller);
                out.writeLong(f.lastReadEnd);
            }
            out.writeInt(dirs.size());
            for (Dir d : dirs) {
                out.writeLong(d.fh);
                out.writeLong(d.ino);
                caller(out, d.caller);
            }
            out.writeInt(locks.size());
            for (LockClaim c : locks) {
                LockSpec l = c.lock();
                out.writeLong(c.ino());
                out.writeInt(l.kind());
                out.writeLong(l.owner());
                out.writeLong(l.start());
                out.writeLong(l.end());
                out.writeInt(l.type());
                out.writeInt(l.pid());
            }
            out.writeInt(lockedFiles.size());
            for (LockedFile f : lockedFiles) {
                out.writeLong(f.fh);
                out.writeLong(f.ino);
                out.writeInt(f.owners.size());
                for (long o : f.owners) out.writeLong(o);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot encode client state", e);
        }
    }

    static VfsState decode(byte[] state) {
        if (state == null) throw FsException.of(Errno.EINVAL, "no client state given");
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
            if (in.readInt() != MAGIC) throw FsException.of(Errno.EINVAL, "not a Tarn client state");
            int version = in.readInt();
            if (version != 1 && version != VERSION) throw FsException.of(Errno.EINVAL, "client state version %d is not supported", version);
            String volume = in.readUTF();
            long session = in.readLong(), nextRequest = in.readLong(), nextHandle = in.readLong();
            int n = count(in);
            List<File> files = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
                files.add(new File(in.readLong(), in.readLong(), in.readInt(), in.readInt(), caller(in), in.readLong()));
            n = count(in);
            List<Dir> dirs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) dirs.add(new Dir(in.readLong(), in.readLong(), caller(in)));
            List<LockClaim> locks = new ArrayList<>();
            List<LockedFile> lockedFiles = new ArrayList<>();
            if (version >= 2) {
                n = count(in);
                for (int i = 0; i < n; i++) {
                    long ino = in.readLong();
                    locks.add(new LockClaim(ino, new LockSpec(in.readInt(), in.readLong(), in.readLong(), in.readLong(),
                            in.readInt(), in.readInt()).checked()));
                }
                n = count(in);
                for (int i = 0; i < n; i++) {
                    long fh = in.readLong(), ino = in.readLong();
                    int k = count(in);
                    List<Long> owners = new ArrayList<>(k);
                    for (int j = 0; j < k; j++) owners.add(in.readLong());
                    lockedFiles.add(new LockedFile(fh, ino, owners));
                }
            }
            if (in.available() != 0) throw FsException.of(Errno.EINVAL, "trailing bytes after the client state");
            return new VfsState(volume, session, nextRequest, nextHandle, files, dirs, locks, lockedFiles);
        } catch (IOException e) {
            throw new FsException(Errno.EINVAL, "truncated client state", e);
        }
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) throw FsException.of(Errno.EINVAL, "bad handle count %d in client state", n);
        return n;
    }

    private static void caller(DataOutputStream out, Caller c) throws IOException {
        out.writeInt(c.uid());
        out.writeInt(c.gid());
        out.writeInt(c.pid());
        out.writeInt(c.groups().length);
        for (int g : c.groups()) out.writeInt(g);
    }

    private static Caller caller(DataInputStream in) throws IOException {
        int uid = in.readInt(), gid = in.readInt(), pid = in.readInt(), n = in.readInt();
        if (n < 0 || n > 65_536) throw FsException.of(Errno.EINVAL, "bad group count %d in client state", n);
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) groups[i] = in.readInt();
        return new Caller(uid, gid, groups, pid);
    }
}
