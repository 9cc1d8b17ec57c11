package io.tarn.testkit.memfs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The memory filesystem's whole state as bytes for a handoff: every node with its lookup count,
 * open count, entries and data, and the open handles. Called while no request is being served.
 */
final class MemState {
    private static final int MAGIC = 0x4D454D31;

    private MemState() {}

    static byte[] export(MemoryFilesystem fs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeInt(MAGIC);
            o.writeLong(fs.nextIno.get());
            o.writeLong(fs.nextFh.get());
            List<MemNode> all = new ArrayList<>(fs.nodes.values());
            o.writeInt(all.size());
            for (MemNode n : all) {
                synchronized (n) {
                    o.writeLong(n.ino);
                    o.writeInt(n.mode);
                    o.writeInt(n.uid);
                    o.writeInt(n.gid);
                    o.writeInt(n.rdev);
                    o.writeInt(n.nlink);
                    o.writeLong(n.atimeNs);
                    o.writeLong(n.mtimeNs);
                    o.writeLong(n.ctimeNs);
                    o.writeLong(n.lookups.get());
                    o.writeInt(n.opens);
                    o.writeBoolean(n.target != null);
                    if (n.target != null) o.writeUTF(n.target);
                    o.writeInt(n.xattrs.size());
                    for (Map.Entry<String, byte[]> x : n.xattrs.entrySet()) {
                        o.writeUTF(x.getKey());
                        o.writeInt(x.getValue().length);
                        o.write(x.getValue());
                    }
                }
                o.writeLong(n.parent);
                if (n.isDir()) {
                    o.writeLong(n.nextCookie);
                    o.writeInt(n.byCookie.size());
                    for (MemNode.Dent d : n.byCookie.values()) {
                        o.writeUTF(d.name());
                        o.writeLong(d.ino());
                        o.writeLong(d.cookie());
                    }
                }
                n.data.readLock().lock();
                try {
                    o.writeLong(n.size);
                    var chunks = n.chunks();
                    o.writeInt(chunks.size());
                    for (var c : chunks) {
                        o.writeInt(c.getKey());
                        byte[] b = c.getValue().toArray(JAVA_BYTE);
                        o.writeInt(b.length);
                        o.write(b);
                    }
                } finally {
                    n.data.readLock().unlock();
                }
            }
            o.writeInt(fs.handles.size());
            for (Map.Entry<Long, MemNode> h : fs.handles.entrySet()) {
                o.writeLong(h.getKey());
                o.writeLong(h.getValue().ino);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void load(MemoryFilesystem fs, byte[] state) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readInt() != MAGIC) throw new IllegalArgumentException("not a memory filesystem state");
            fs.nodes.clear();
            fs.handles.clear();
            fs.nextIno.set(in.readLong());
            fs.nextFh.set(in.readLong());
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                long ino = in.readLong();
                int mode = in.readInt(), uid = in.readInt(), gid = in.readInt(), rdev = in.readInt(), nlink = in.readInt();
                MemNode n = new MemNode(ino, mode, uid, gid, 0);
                n.pool = fs.pool();
                n.rdev = rdev;
                n.nlink = nlink;
                n.atimeNs = in.readLong();
                n.mtimeNs = in.readLong();
                n.ctimeNs = in.readLong();
                n.lookups.set(in.readLong());
                n.opens = in.readInt();
                if (in.readBoolean()) n.target = in.readUTF();
                int xs = in.readInt();
                for (int x = 0; x < xs; x++) {
                    String name = in.readUTF();
                    byte[] v = new byte[in.readInt()];
                    in.readFully(v);
                    n.xattrs.put(name, v);
                }
                n.parent = in.readLong();
                if (n.isDir()) {
                    n.nextCookie = in.readLong();
                    int ds = in.readInt();
                    for (int d = 0; d < ds; d++) {
                        MemNode.Dent e = new MemNode.Dent(in.readUTF(), in.readLong(), in.readLong());
                        n.byName.put(e.name(), e);
                        n.byCookie.put(e.cookie(), e);
                    }
                }
                n.size = in.readLong();
                int cs = in.readInt();
                for (int c = 0; c < cs; c++) {
                    int index = in.readInt();
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    MemorySegment seg = Arena.ofAuto().allocate(b.length, 4096);
                    MemorySegment.copy(b, 0, seg, JAVA_BYTE, 0, b.length);
                    n.putChunk(index, seg);
                }
                fs.nodes.put(ino, n);
            }
            int hs = in.readInt();
            for (int h = 0; h < hs; h++) {
                long fh = in.readLong();
                fs.handles.put(fh, fs.nodes.get(in.readLong()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
