package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeUsage;
import io.tarn.api.VolumeSpec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.TokenSpec;

import java.util.List;

/** Builds one frame, big-endian, with the length field first and patched by {@link #frame()}. */
final class WireOut {
    private byte[] buf;
    private int pos;

    WireOut(int capacity) {
        buf = new byte[Math.max(capacity, 32)];
        pos = Wire.LENGTH_FIELD;
    }

    /** A request frame with room for callId and deadline, patched per attempt by the sender. */
    static WireOut request(Op op) {
        WireOut o = new WireOut(96);
        o.i64(0).u8(op.code).i32(0);
        return o;
    }

    static WireOut response(long callId, byte status) {
        WireOut o = new WireOut(128);
        o.i64(callId).u8(status);
        return o;
    }

    /** Finishes the frame: writes the payload length and returns the backing array, valid up to {@link #length()}. */
    byte[] frame() {
        int n = pos - Wire.LENGTH_FIELD;
        buf[0] = (byte) (n >>> 24);
        buf[1] = (byte) (n >>> 16);
        buf[2] = (byte) (n >>> 8);
        buf[3] = (byte) n;
        return buf;
    }

    int length() {
        return pos;
    }

    private void room(int n) {
        if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }

    WireOut u8(int v) {
        room(1);
        buf[pos++] = (byte) v;
        return this;
    }

    WireOut bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    WireOut i32(int v) {
        room(4);
        putInt(buf, pos, v);
        pos += 4;
        return this;
    }

    WireOut i64(long v) {
        room(8);
        putLong(buf, pos, v);
        pos += 8;
        return this;
    }

    /** A string as i32 byte length (-1 for null) and UTF-8 bytes. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int) is the fast path for ASCII names
    WireOut str(String s) {
        if (s == null) return i32(-1);
        if (isAscii(s)) {
            int n = s.length();
            i32(n);
            room(n);
            s.getBytes(0, n, buf, pos);
            pos += n;
            return this;
        }
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    WireOut bytes(byte[] b) {
        if (b == null) return i32(-1);
        i32(b.length);
        room(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    /** The remaining bytes of {@code b} as a byte array field, copied once, straight into the frame; b's position is kept. */
    WireOut byteBuffer(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        int n = d.remaining();
        i32(n);
        room(n);
        d.get(buf, pos, n);
        pos += n;
        return this;
    }

    WireOut ctx(Ctx c) {
        i64(c.session()).i64(c.requestId());
        Caller k = c.caller() == null ? Caller.ROOT : c.caller();
        i32(k.uid()).i32(k.gid()).i32(k.pid()).i32(k.groups().length);
        for (int g : k.groups()) i32(g);
        return this;
    }

    WireOut attr(Attr a) {
        return i64(a.ino()).i32(a.mode()).i32(a.nlink()).i32(a.uid()).i32(a.gid()).i32(a.rdev()).i64(a.size())
                .i64(a.atimeNs()).i64(a.mtimeNs()).i64(a.ctimeNs());
    }

    WireOut setAttr(SetAttr s) {
        return i32(s.valid()).i32(s.mode()).i32(s.uid()).i32(s.gid()).i64(s.size()).i64(s.atimeNs())
                .i64(s.mtimeNs()).i64(s.ctimeNs());
    }

    /** Since version 4 a BlockRef ends with its inline payload (a byte array, null for a block with an object; ADR 0141). */
    WireOut blockRef(BlockRef b) {
        return i64(b.index()).i64(b.blockId()).i32(b.length()).i32(b.storedLength()).i32(b.checksum()).bytes(b.inline());
    }

    /** A garbage record; as a cursor only its time and block id matter, but the whole record is small. */
    WireOut garbageBlock(GarbageBlock g) {
        return i64(g.timeNs()).i64(g.blockId()).i64(g.ino()).i64(g.index()).i32(g.storedLength());
    }

    WireOut garbageBlocks(List<GarbageBlock> list) {
        i32(list.size());
        for (GarbageBlock g : list) garbageBlock(g);
        return this;
    }

    WireOut liveBlock(LiveBlock b) {
        return i64(b.ino()).blockRef(b.block()).bool(b.inline());
    }

    WireOut liveBlocks(List<LiveBlock> list) {
        i32(list.size());
        for (LiveBlock b : list) liveBlock(b);
        return this;
    }

    WireOut gcClients(GcClients c) {
        return i64(c.reservedBelow()).i64(c.oldestSessionOpenedNs());
    }

    WireOut blockRefs(List<BlockRef> list) {
        i32(list.size());
        for (BlockRef b : list) blockRef(b);
        return this;
    }

    /** A LockSpec: kind u8, owner, start, end, type u8, pid. */
    WireOut lockSpec(io.tarn.api.LockSpec l) {
        return u8(l.kind()).i64(l.owner()).i64(l.start()).i64(l.end()).u8(l.type()).i32(l.pid());
    }

    WireOut optionalLockSpec(io.tarn.api.LockSpec l) {
        bool(l != null);
        return l == null ? this : lockSpec(l);
    }

    WireOut lockClaims(List<io.tarn.api.LockClaim> list) {
        i32(list.size());
        for (io.tarn.api.LockClaim c : list) i64(c.ino()).lockSpec(c.lock());
        return this;
    }

    WireOut dirPage(DirPage p) {
        i32(p.entries().size());
        for (DirEntry e : p.entries()) {
            str(e.name()).i64(e.ino()).i32(e.type()).bool(e.attr() != null);
            if (e.attr() != null) attr(e.attr());
        }
        return bool(p.more());
    }

    WireOut changeBatch(io.tarn.api.ChangeBatch b) {
        i64(b.feed()).i64(b.cursor()).bool(b.reset()).i32(b.changes().size());
        for (io.tarn.api.Change c : b.changes()) u8(c.kind()).i64(c.ino()).str(c.name());
        return this;
    }

    WireOut longs(long[] v) {
        i32(v.length);
        for (long x : v) i64(x);
        return this;
    }

    WireOut bools(boolean[] v) {
        i32(v.length);
        for (boolean x : v) bool(x);
        return this;
    }

    WireOut strings(List<String> list) {
        i32(list.size());
        for (String s : list) str(s);
        return this;
    }

    WireOut volumeSpec(VolumeSpec s) {
        return str(s.name()).str(s.storeUri()).i32(s.blockSize()).str(s.compression()).i64(s.retentionSeconds())
                .volumeEncryption(s.encryption()).str(s.proxy());
    }

    WireOut volumeInfo(VolumeInfo v) {
        return str(v.name()).str(v.uuid()).str(v.storeUri()).i32(v.blockSize()).str(v.compression())
                .i64(v.retentionSeconds()).i64(v.createdNs()).i64(v.rootIno()).volumeEncryption(v.encryption()).str(v.proxy());
    }

    /** {@code str cipher, bool encryptNames, i32 count, key generations}; never a key (ADR 0091). */
    WireOut volumeEncryption(VolumeEncryption e) {
        str(e.cipher()).bool(e.encryptNames()).i32(e.keys().size());
        for (VolumeEncryption.KeyGeneration k : e.keys()) keyGeneration(k);
        return this;
    }

    /** {@code i32 generation, bytes keyCheck, bytes wrappedPrevious (-1: none), bool hasKdf [str alg, bytes salt, i32 m, t, p]}. */
    WireOut keyGeneration(VolumeEncryption.KeyGeneration k) {
        i32(k.generation()).bytes(k.keyCheck()).bytes(k.wrappedPrevious());
        VolumeEncryption.Kdf kdf = k.kdf();
        bool(kdf != null);
        if (kdf != null) str(kdf.algorithm()).bytes(kdf.salt()).i32(kdf.memoryKiB()).i32(kdf.iterations()).i32(kdf.parallelism());
        return this;
    }

    WireOut volumeInfos(List<VolumeInfo> list) {
        i32(list.size());
        for (VolumeInfo v : list) volumeInfo(v);
        return this;
    }

    WireOut volumeUsage(VolumeUsage u) {
        return i64(u.liveBytes()).i64(u.liveInodes()).i64(u.historyBytes()).i64(u.historyBlocks()).i64(u.oldestInstantNs());
    }

    WireOut sessionInfo(SessionInfo s) {
        return i64(s.session()).volumeInfo(s.volume());
    }

    WireOut statFs(StatFs s) {
        return i64(s.usedBytes()).i64(s.usedInodes()).i64(s.quotaBytes()).i64(s.quotaInodes());
    }

    WireOut accessToken(AccessToken t) {
        return str(t.id()).str(t.volume()).bool(t.readOnly()).i64(t.expiresNs()).bool(t.trustUids()).i32(t.uid())
                .i32(t.gid()).i64(t.createdNs()).i64(t.revokedNs());
    }

    WireOut accessTokens(List<AccessToken> list) {
        i32(list.size());
        for (AccessToken t : list) accessToken(t);
        return this;
    }

    WireOut tokenSpec(TokenSpec s) {
        return str(s.volume()).bool(s.readOnly()).i64(s.expiresNs()).bool(s.trustUids()).i32(s.uid()).i32(s.gid());
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }
}
