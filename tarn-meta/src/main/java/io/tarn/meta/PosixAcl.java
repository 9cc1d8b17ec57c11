package io.tarn.meta;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A POSIX ACL in the kernel's xattr format ({@code system.posix_acl_access} / {@code _default}: a
 * little-endian u32 version 2, then entries of u16 tag, u16 perm, u32 id), and the rules the Linux VFS
 * applies to it: the access check (posix_acl_permission), chmod (posix_acl_chmod) and inheritance
 * from a directory's default ACL (posix_acl_create). The kernel passes these xattrs through to Tarn
 * unchanged because Tarn does not ask for FUSE_POSIX_ACL: the checks stay on the metadata server (ADR 0130).
 */
record PosixAcl(List<Entry> entries) {
    static final String ACCESS = "system.posix_acl_access", DEFAULT = "system.posix_acl_default";
    static final int USER_OBJ = 0x01, USER = 0x02, GROUP_OBJ = 0x04, GROUP = 0x08, MASK = 0x10, OTHER = 0x20;
    private static final int VERSION = 2, UNDEFINED_ID = -1, MAX_ENTRIES = 8190;

    record Entry(int tag, int perm, int id) {}

    static boolean isAclName(String name) {
        return ACCESS.equals(name) || DEFAULT.equals(name);
    }

    /** Parses and validates an ACL as the kernel does (posix_acl_valid): EINVAL if malformed. */
    static PosixAcl decode(byte[] v) {
        if (v == null || v.length < 4 || (v.length - 4) % 8 != 0)
            throw FsException.of(Errno.EINVAL, "malformed POSIX ACL of %d bytes", v == null ? 0 : v.length);
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != VERSION) throw FsException.of(Errno.ENOTSUP, "unknown POSIX ACL version");
        int n = (v.length - 4) / 8;
        if (n > MAX_ENTRIES) throw FsException.of(Errno.E2BIG, "POSIX ACL of %d entries", n);
        List<Entry> es = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = Short.toUnsignedInt(b.getShort()), perm = Short.toUnsignedInt(b.getShort()), id = b.getInt();
            if ((perm & ~7) != 0) throw FsException.of(Errno.EINVAL, "POSIX ACL permission %o", perm);
            boolean named = tag == USER || tag == GROUP;
            if (!named && tag != USER_OBJ && tag != GROUP_OBJ && tag != MASK && tag != OTHER)
                throw FsException.of(Errno.EINVAL, "POSIX ACL tag %x", tag);
            es.add(new Entry(tag, perm, named ? id : UNDEFINED_ID));
        }
        PosixAcl acl = new PosixAcl(List.copyOf(es));
        acl.validate();
        return acl;
    }

    /** Entries sorted by tag then id, each base tag once, a mask when there are named entries. */
    private void validate() {
        int prevTag = 0;
        long prevId = Long.MIN_VALUE;
        int userObj = 0, groupObj = 0, mask = 0, other = 0, named = 0;
        for (Entry e : entries) {
            if (e.tag < prevTag || (e.tag == prevTag && (e.tag != USER && e.tag != GROUP || Integer.toUnsignedLong(e.id) <= prevId)))
                throw FsException.of(Errno.EINVAL, "POSIX ACL entries out of order or repeated");
            if (e.tag != prevTag) prevId = Long.MIN_VALUE;
            if (e.tag == USER || e.tag == GROUP) prevId = Integer.toUnsignedLong(e.id);
            prevTag = e.tag;
            switch (e.tag) {
                case USER_OBJ -> userObj++;
                case GROUP_OBJ -> groupObj++;
                case MASK -> mask++;
                case OTHER -> other++;
                default -> named++;
            }
        }
        if (userObj != 1 || groupObj != 1 || other != 1 || (named > 0 && mask != 1))
            throw FsException.of(Errno.EINVAL, "POSIX ACL lacks a required entry");
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry e : entries) b.putShort((short) e.tag).putShort((short) e.perm).putInt(e.id);
        return b.array();
    }

    private Entry find(int tag) {
        for (Entry e : entries) if (e.tag == tag) return e;
        return null;
    }

    /** Only the three base entries: the ACL says no more than the mode bits. */
    boolean isMinimal() {
        return entries.size() == 3;
    }

    /** The permission bits (0777) this ACL stands for: the group class shows the mask if there is one. */
    int modeBits() {
        Entry m = find(MASK);
        int group = m != null ? m.perm : find(GROUP_OBJ).perm;
        return find(USER_OBJ).perm << 6 | group << 3 | find(OTHER).perm;
    }

    /** The ACL after chmod to {@code mode}: owner, group class (mask, else group) and other follow the mode. */
    PosixAcl withMode(int mode) {
        boolean hasMask = find(MASK) != null;
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int p = switch (e.tag) {
                case USER_OBJ -> (mode >> 6) & 7;
                case MASK -> (mode >> 3) & 7;
                case GROUP_OBJ -> hasMask ? e.perm : (mode >> 3) & 7;
                case OTHER -> mode & 7;
                default -> e.perm;
            };
            out.add(new Entry(e.tag, p, e.id));
        }
        return new PosixAcl(List.copyOf(out));
    }

    /**
     * A new node's access ACL from its parent's default ACL and the mode asked for (posix_acl_create_masq):
     * owner, group class and other are limited by the mode; {@link #modeBits()} of the result is the new mode.
     */
    PosixAcl createMasq(int mode) {
        boolean hasMask = find(MASK) != null;
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int p = switch (e.tag) {
                case USER_OBJ -> e.perm & (mode >> 6);
                case MASK -> e.perm & (mode >> 3);
                case GROUP_OBJ -> hasMask ? e.perm : e.perm & (mode >> 3);
                case OTHER -> e.perm & mode;
                default -> e.perm;
            };
            out.add(new Entry(e.tag, p & 7, e.id));
        }
        return new PosixAcl(List.copyOf(out));
    }

    /**
     * The access check for a caller who is not the owner (the owner's bits are the mode's, root is
     * decided before): named user, else the group entries (any match that grants wins; a match that
     * does not means EACCES), else other; named users and all groups are limited by the mask.
     */
    boolean allows(Caller c, int fileGid, int want) {
        Entry mask = find(MASK);
        int limit = mask == null ? 7 : mask.perm;
        for (Entry e : entries)
            if (e.tag == USER && e.id == c.uid()) return (e.perm & limit & want) == want;
        boolean groupMatched = false;
        for (Entry e : entries) {
            boolean match = (e.tag == GROUP_OBJ && c.inGroup(fileGid)) || (e.tag == GROUP && c.inGroup(e.id));
            if (!match) continue;
            if ((e.perm & limit & want) == want) return true;
            groupMatched = true;
        }
        if (groupMatched) return false;
        return (find(OTHER).perm & want) == want;
    }
}
