package io.tarn.meta;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The key layout of docs/adr/0020-metadata-keys.md. Integers are big-endian so byte order is numeric
 * order; names are raw UTF-8 after a fixed-width prefix, so a directory's entries scan in name order.
 */
final class Keys {
    static final byte GLOBAL = 'G', VOLUME_NAME = 'N', VOLUME = 'V', SESSION = 'S', REQUEST = 'R',
            SESSION_OPEN = 'P', TOKEN = 'T', DATA = 'v';
    // Sub-spaces inside one volume's DATA prefix.
    static final byte INODE = 'i', DENTRY = 'd', BLOCK = 'b', XATTR = 'x', OPEN = 'o', ORPHAN = 'z',
            USAGE = 'u', QUOTA = 'q', COUNTER = 'c', GARBAGE = 'g', JOURNAL = 'j', HISTORY = 'h';

    private Keys() {}

    static byte[] global(String counter) {
        return cat(new byte[]{GLOBAL}, utf8(counter));
    }

    /** Marks a deleted volume whose data is still being purged. */
    static byte[] retired(long vol) {
        return cat(retiredAll(), ofLong(vol));
    }

    static byte[] retiredAll() {
        return global("retired/");
    }

    static byte[] volumeName(String name) {
        return cat(new byte[]{VOLUME_NAME}, utf8(name));
    }

    /** An access token by its public id (ADR 0100); the record holds a hash of the secret, never the secret. */
    static byte[] token(String id) {
        return cat(new byte[]{TOKEN}, utf8(id));
    }

    static byte[] volume(long vol) {
        return ByteBuffer.allocate(9).put(VOLUME).putLong(vol).array();
    }

    static byte[] session(long session) {
        return ByteBuffer.allocate(9).put(SESSION).putLong(session).array();
    }

    static byte[] request(long session, long requestId) {
        return ByteBuffer.allocate(17).put(REQUEST).putLong(session).putLong(requestId).array();
    }

    static byte[] requests(long session) {
        return ByteBuffer.allocate(9).put(REQUEST).putLong(session).array();
    }

    static byte[] sessionOpen(long session, long ino) {
        return ByteBuffer.allocate(17).put(SESSION_OPEN).putLong(session).putLong(ino).array();
    }

    static byte[] sessionOpens(long session) {
        return ByteBuffer.allocate(9).put(SESSION_OPEN).putLong(session).array();
    }

    /** The prefix of everything one volume owns. */
    static byte[] volumeData(long vol) {
        return ByteBuffer.allocate(9).put(DATA).putLong(vol).array();
    }

    static byte[] inVolume(long vol, byte space) {
        return ByteBuffer.allocate(10).put(DATA).putLong(vol).put(space).array();
    }

    static byte[] inode(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(INODE).putLong(ino).array();
    }

    static byte[] dentries(long vol, long parent) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(DENTRY).putLong(parent).array();
    }

    static byte[] dentry(long vol, long parent, String name) {
        return cat(dentries(vol, parent), utf8(name));
    }

    static byte[] blocks(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(BLOCK).putLong(ino).array();
    }

    static byte[] block(long vol, long ino, long index) {
        return ByteBuffer.allocate(26).put(DATA).putLong(vol).put(BLOCK).putLong(ino).putLong(index).array();
    }

    static byte[] xattrs(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(XATTR).putLong(ino).array();
    }

    static byte[] xattr(long vol, long ino, String name) {
        return cat(xattrs(vol, ino), utf8(name));
    }

    static byte[] opens(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(OPEN).putLong(ino).array();
    }

    static byte[] open(long vol, long ino, long session) {
        return ByteBuffer.allocate(26).put(DATA).putLong(vol).put(OPEN).putLong(ino).putLong(session).array();
    }

    static byte[] orphan(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(ORPHAN).putLong(ino).array();
    }

    static byte[] usage(long vol, int stripe) {
        return ByteBuffer.allocate(11).put(DATA).putLong(vol).put(USAGE).put((byte) stripe).array();
    }

    /** Limits of a quota root: the volume is inode 0 (ADR 0020 keeps per-directory quotas for later). */
    static byte[] quota(long vol, long ino) {
        return ByteBuffer.allocate(18).put(DATA).putLong(vol).put(QUOTA).putLong(ino).array();
    }

    static byte[] counter(long vol, String name) {
        return cat(inVolume(vol, COUNTER), utf8(name));
    }

    static byte[] garbage(long vol, long timeNs, long blockId) {
        return ByteBuffer.allocate(26).put(DATA).putLong(vol).put(GARBAGE).putLong(timeNs).putLong(blockId).array();
    }

    static byte[] journal(long vol, long timeNs, long unique) {
        return ByteBuffer.allocate(26).put(DATA).putLong(vol).put(JOURNAL).putLong(timeNs).putLong(unique).array();
    }

    /** A checkpoint of the whole store taken at {@code timeNs} (value: its name). */
    static byte[] checkpoint(long timeNs) {
        return cat(checkpoints(), ofLong(timeNs));
    }

    static byte[] checkpoints() {
        return global("checkpoint/");
    }

    /** An open time-travel view (value: volume id, instant), so a restarted server can resume it (ADR 0081). */
    static byte[] viewPin(long session) {
        return cat(viewPins(), ofLong(session));
    }

    static byte[] viewPins() {
        return global("view/");
    }

    /**
     * The instant before which a volume's history is incomplete (records pruned, or retention was off);
     * absent: complete since the volume was created.
     */
    static byte[] historyFloor(long vol) {
        return cat(inVolume(vol, HISTORY), utf8("floor"));
    }

    /** The smallest key greater than every key starting with {@code prefix}. */
    static byte[] end(byte[] prefix) {
        byte[] e = prefix.clone();
        for (int i = e.length - 1; i >= 0; i--) {
            if (e[i] != (byte) 0xff) {
                e[i]++;
                return Arrays.copyOf(e, i + 1);
            }
        }
        return null;
    }

    /** The smallest key greater than {@code key}. */
    static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    static long longAt(byte[] key, int offset) {
        return ByteBuffer.wrap(key, offset, 8).getLong();
    }

    static String tail(byte[] key, int offset) {
        return new String(key, offset, key.length - offset, StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] cat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] ofLong(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long toLong(byte[] v) {
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }
}
