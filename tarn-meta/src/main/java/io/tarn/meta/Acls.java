package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

/**
 * POSIX ACLs kept as the xattrs {@code system.posix_acl_access} and {@code system.posix_acl_default}
 * of an inode, with the side effects the kernel gives them on a local file system: setting an access
 * ACL sets the mode (and one that says no more than the mode is not stored), chmod rewrites the
 * ACL's owner, mask and other entries, and a directory's default ACL is inherited by new children.
 */
final class Acls {
    private Acls() {}

    /** The inode's access ACL, or null. */
    static PosixAcl access(VolumeTx t, long ino, InodeRecord r) {
        if (r.type() == Attr.S_IFLNK) return null;
        byte[] v = t.kv.get(Keys.xattr(t.vol, ino, PosixAcl.ACCESS));
        return v == null ? null : PosixAcl.decode(v);
    }

    static PosixAcl defaults(VolumeTx t, long dirIno) {
        byte[] v = t.kv.get(Keys.xattr(t.vol, dirIno, PosixAcl.DEFAULT));
        return v == null ? null : PosixAcl.decode(v);
    }

    /** Sets (or, with an empty value, removes) an ACL xattr; the caller must own the inode. */
    static void set(VolumeTx t, long ino, InodeRecord r, String name, byte[] value) {
        Permissions.owner(t.caller, r, ino);
        if (r.type() == Attr.S_IFLNK) throw FsException.of(Errno.ENOTSUP, "symlinks have no ACLs");
        byte[] key = Keys.xattr(t.vol, ino, name);
        InodeRecord after = r.withCtime(t.now);
        if (PosixAcl.DEFAULT.equals(name)) {
            if (!r.isDir()) throw FsException.of(Errno.EACCES, "only directories have a default ACL");
            if (value.length == 0) t.w().delete(key);
            else t.w().put(key, PosixAcl.decode(value).encode());
        } else if (value.length == 0) {
            t.w().delete(key);
        } else {
            PosixAcl acl = PosixAcl.decode(value);
            int mode = (r.mode() & ~0777) | acl.modeBits();
            // As posix_acl_update_mode: setting an ACL drops set-group-id unless the caller could have set it.
            if (!Permissions.isRoot(t.caller) && !t.caller.inGroup(r.gid())) mode &= ~Attr.S_ISGID;
            after = after.withMode(mode);
            if (acl.isMinimal()) t.w().delete(key);
            else t.w().put(key, acl.encode());
        }
        t.putInode(ino, after);
    }

    /** After chmod: the access ACL's owner, group class and other entries follow the new mode. */
    static void chmod(VolumeTx t, long ino, InodeRecord after) {
        PosixAcl acl = access(t, ino, after);
        if (acl != null) t.w().put(Keys.xattr(t.vol, ino, PosixAcl.ACCESS), acl.withMode(after.mode()).encode());
    }

    /**
     * The permission bits of a node being created in {@code parent} with {@code perms} asked for: with a
     * default ACL on the parent, the umask is ignored and the ACL limits them; otherwise the umask (if
     * the client left it to the server, {@code umask >= 0}) does.
     */
    static int createMode(VolumeTx t, long parent, int perms, int umask, boolean symlink) {
        if (symlink) return perms;
        PosixAcl d = defaults(t, parent);
        if (d != null) return (perms & 07000) | d.createMasq(perms).modeBits();
        return umask >= 0 ? perms & ~umask : perms;
    }

    /** Gives a new node the ACLs its parent's default ACL passes on (none for symlinks). */
    static void inherit(VolumeTx t, long parent, long ino, InodeRecord node, int askedPerms) {
        if (node.type() == Attr.S_IFLNK) return;
        PosixAcl d = defaults(t, parent);
        if (d == null) return;
        PosixAcl acl = d.createMasq(askedPerms);
        if (!acl.isMinimal()) t.w().put(Keys.xattr(t.vol, ino, PosixAcl.ACCESS), acl.encode());
        if (node.isDir()) t.w().put(Keys.xattr(t.vol, ino, PosixAcl.DEFAULT), d.encode());
    }
}
