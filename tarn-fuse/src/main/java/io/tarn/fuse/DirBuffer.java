package io.tarn.fuse;

import io.tarn.fuse.proto.Proto;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** Encodes fuse_dirent / fuse_direntplus records into a reply payload until the kernel's size is reached. */
final class DirBuffer implements DirSink {
    private final MemorySegment out;
    private final int limit;
    private final boolean plus;
    private final long defEntryNs, defAttrNs;
    private int used;

    DirBuffer(MemorySegment payload, int limit, boolean plus, long defEntryNs, long defAttrNs) {
        this.out = payload;
        this.limit = (int) Math.min(limit, payload.byteSize());
        this.plus = plus;
        this.defEntryNs = defEntryNs;
        this.defAttrNs = defAttrNs;
    }

    int used() {
        return used;
    }

    @Override
    public boolean plus() {
        return plus;
    }

    @Override
    public boolean add(String name, long ino, int type, long nextOffset) {
        if (plus) {
            return addPlus(name, null, ino, type, nextOffset);
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int rec = Wire.align8(Proto.DIRENT + n.length);
        if (used + rec > limit) return false;
        dirent(used, n, ino, type, nextOffset, rec);
        used += rec;
        return true;
    }

    @Override
    public boolean add(String name, Entry entry, long nextOffset) {
        int type = entry.attr() == null ? 0 : entry.attr().type();
        if (!plus) return add(name, entry.nodeId(), type, nextOffset);
        return addPlus(name, entry, entry.nodeId(), type, nextOffset);
    }

    private boolean addPlus(String name, Entry entry, long ino, int type, long nextOffset) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int rec = Wire.align8(Proto.ENTRY_OUT + Proto.DIRENT + n.length);
        if (used + rec > limit) return false;
        if (entry != null) {
            Wire.entry(out, used, entry, defEntryNs, defAttrNs);
        } else {
            // No attributes: a zero node id tells the kernel not to instantiate (or count) the entry.
            out.asSlice(used, Proto.ENTRY_OUT).fill((byte) 0);
        }
        dirent(used + Proto.ENTRY_OUT, n, ino, type, nextOffset, rec - Proto.ENTRY_OUT);
        used += rec;
        return true;
    }

    private void dirent(int at, byte[] name, long ino, int type, long nextOffset, int rec) {
        Wire.i64(out, at, ino);
        Wire.i64(out, at + 8, nextOffset);
        Wire.i32(out, at + 16, name.length);
        Wire.i32(out, at + 20, (type >>> 12) & 0xF);
        Wire.bytes(out, at + 24, name);
        for (int i = Proto.DIRENT + name.length; i < rec; i++) out.set(JAVA_BYTE, at + i, (byte) 0);
    }
}
