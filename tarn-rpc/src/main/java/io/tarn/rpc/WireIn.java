package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.DirPage;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.GarbageBlock;
import io.tarn.api.GcClients;
import io.tarn.api.LiveBlock;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.StatFs;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeUsage;
import io.tarn.api.VolumeSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.TokenSpec;

import java.util.List;

/**
 * Reads one frame payload. Every read checks the bytes left, and every count is checked against
 * them before anything is allocated, so a malformed or hostile payload ends in an EBADMSG
 * {@link FsException} and never in an out-of-memory or an index error.
 */
final class WireIn {
    static final int MAX_GROUPS = 65536;
    private final byte[] buf;
    private int pos;
    private final int limit;

    WireIn(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    int remaining() {
        return limit - pos;
    }

    private void need(int n, String what) {
        if (n < 0 || limit - pos < n)
            throw malformed("truncated %s: needs %d bytes, %d left", what, n, limit - pos);
    }

    static FsException malformed(String format, Object... args) {
        return FsException.of(Errno.EBADMSG, "malformed message: " + format, args);
    }

    /** Fails if bytes are left over: a payload must be exactly what its opcode says. */
    void end() {
        if (pos != limit) throw malformed("%d unexpected trailing bytes", limit - pos);
    }

    int u8() {
        need(1, "byte");
        return buf[pos++] & 0xff;
    }

    boolean bool() {
        int v = u8();
        if (v > 1) throw malformed("boolean is %d", v);
        return v == 1;
    }

    int i32() {
        need(4, "int");
        int v = getInt(buf, pos);
        pos += 4;
        return v;
    }

    long i64() {
        need(8, "long");
        long v = getLong(buf, pos);
        pos += 8;
        return v;
    }

    String str() {
        int n = i32();
        if (n == -1) return null;
        need(n, "string");
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    byte[] bytes() {
        int n = i32();
        if (n == -1) return null;
        need(n, "byte array");
        byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    /**
     * A byte array field as a view of the frame, without a copy: for a frame its reader owns alone (one request or
     * reply payload), whose bytes nobody changes afterwards. Null for a null array.
     */
    java.nio.ByteBuffer bytesView() {
        int n = i32();
        if (n == -1) return null;
        need(n, "byte array");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, pos, n).slice();
        pos += n;
        return b;
    }

    /** A list count, checked against the bytes left given the smallest encoded element. */
    private int count(int minElementSize, String what) {
        int n = i32();
        if (n < 0 || (long) n * minElementSize > remaining())
            throw malformed("%s count %d does not fit in %d bytes", what, n, remaining());
        return n;
    }

    Ctx ctx() {
        long session = i64(), requestId = i64();
        int uid = i32(), gid = i32(), pid = i32();
        int n = count(4, "group");
        if (n > MAX_GROUPS) throw malformed("%d supplementary groups", n);
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) groups[i] = i32();
        return new Ctx(session, requestId, new Caller(uid, gid, groups, pid));
    }

    Attr attr() {
        return new Attr(i64(), i32(), i32(), i32(), i32(), i32(), i64(), i64(), i64(), i64());
    }

    SetAttr setAttr() {
        return new SetAttr(i32(), i32(), i32(), i32(), i64(), i64(), i64(), i64());
    }

    BlockRef blockRef() {
        return new BlockRef(i64(), i64(), i32(), i32(), i32(), bytes());
    }

    GarbageBlock garbageBlock() {
        return new GarbageBlock(i64(), i64(), i64(), i64(), i32());
    }

    List<GarbageBlock> garbageBlocks() {
        int n = count(36, "garbage record");
        List<GarbageBlock> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(garbageBlock());
        return list;
    }

    LiveBlock liveBlock() {
        return new LiveBlock(i64(), blockRef(), bool());
    }

    List<LiveBlock> liveBlocks() {
        int n = count(41, "live block");
        List<LiveBlock> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(liveBlock());
        return list;
    }

    GcClients gcClients() {
        return new GcClients(i64(), i64());
    }

    List<BlockRef> blockRefs() {
        int n = count(32, "block");
        List<BlockRef> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(blockRef());
        return list;
    }

    io.tarn.api.LockSpec lockSpec() {
        return new io.tarn.api.LockSpec(u8(), i64(), i64(), i64(), u8(), i32());
    }

    io.tarn.api.LockSpec optionalLockSpec() {
        return bool() ? lockSpec() : null;
    }

    List<io.tarn.api.LockClaim> lockClaims() {
        int n = count(38, "lock claim");
        List<io.tarn.api.LockClaim> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(new io.tarn.api.LockClaim(i64(), lockSpec()));
        return list;
    }

    DirPage dirPage() {
        int n = count(17, "directory entry");
        List<DirEntry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = str();
            long ino = i64();
            int type = i32();
            Attr attr = bool() ? attr() : null;
            list.add(new DirEntry(name, ino, type, attr));
        }
        return new DirPage(list, bool());
    }

    io.tarn.api.ChangeBatch changeBatch() {
        long feed = i64(), cursor = i64();
        boolean reset = bool();
        int n = count(13, "change");
        List<io.tarn.api.Change> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = u8();
            long ino = i64();
            String name = str();
            try {
                list.add(new io.tarn.api.Change(kind, ino, name));
            } catch (FsException e) {
                throw malformed("%s", e.getMessage());
            }
        }
        return new io.tarn.api.ChangeBatch(feed, cursor, reset, list);
    }

    long[] longs() {
        int n = count(8, "long");
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = i64();
        return v;
    }

    boolean[] bools() {
        int n = count(1, "boolean");
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) v[i] = bool();
        return v;
    }

    List<String> strings() {
        int n = count(4, "string");
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(str());
        return list;
    }

    /** The VolumeSpec constructor validates and throws EINVAL itself. */
    VolumeSpec volumeSpec() {
        return new VolumeSpec(str(), str(), i32(), str(), i64(), volumeEncryption(), str());
    }

    VolumeInfo volumeInfo() {
        return new VolumeInfo(str(), str(), str(), i32(), str(), i64(), i64(), i64(), volumeEncryption(), str());
    }

    /** The VolumeEncryption constructors validate and throw EINVAL themselves. */
    VolumeEncryption volumeEncryption() {
        String cipher = str();
        boolean names = bool();
        int n = count(8, "key generation");
        List<VolumeEncryption.KeyGeneration> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) keys.add(keyGeneration());
        return new VolumeEncryption(cipher, names, keys);
    }

    VolumeEncryption.KeyGeneration keyGeneration() {
        int generation = i32();
        byte[] check = bytes(), wrapped = bytes();
        VolumeEncryption.Kdf kdf = bool() ? new VolumeEncryption.Kdf(str(), bytes(), i32(), i32(), i32()) : null;
        return new VolumeEncryption.KeyGeneration(generation, check, wrapped, kdf);
    }

    List<VolumeInfo> volumeInfos() {
        int n = count(44, "volume");
        List<VolumeInfo> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(volumeInfo());
        return list;
    }

    VolumeUsage volumeUsage() {
        return new VolumeUsage(i64(), i64(), i64(), i64(), i64());
    }

    SessionInfo sessionInfo() {
        return new SessionInfo(i64(), volumeInfo());
    }

    StatFs statFs() {
        return new StatFs(i64(), i64(), i64(), i64());
    }

    AccessToken accessToken() {
        return new AccessToken(str(), str(), bool(), i64(), bool(), i32(), i32(), i64(), i64());
    }

    List<AccessToken> accessTokens() {
        int n = count(39, "access token");
        List<AccessToken> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(accessToken());
        return list;
    }

    TokenSpec tokenSpec() {
        String volume = str();
        boolean readOnly = bool();
        long expires = i64();
        boolean trust = bool();
        int uid = i32(), gid = i32();
        try {
            return new TokenSpec(volume, readOnly, expires, trust, uid, gid);
        } catch (IllegalArgumentException e) {
            throw FsException.of(Errno.EINVAL, "%s", e.getMessage());
        }
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }
}
