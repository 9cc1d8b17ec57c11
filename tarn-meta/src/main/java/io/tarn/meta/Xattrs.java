package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.kv.KvEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes with Linux namespace rules (user., trusted., security., and of system. the two
 * POSIX ACLs, see {@link Acls}; other system. names are unsupported).
 */
final class Xattrs {
    static final int NAME_MAX = 255, VALUE_MAX = 65536;

    private Xattrs() {}

    private static void checkName(String name) {
        int len = name == null ? 0 : name.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > NAME_MAX) throw FsException.of(Errno.ERANGE, "xattr name length %d", len);
        if (name.indexOf('\0') >= 0) throw FsException.of(Errno.EINVAL, "xattr name contains NUL");
        if (!name.startsWith("user.") && !name.startsWith("trusted.") && !name.startsWith("security.") && !PosixAcl.isAclName(name))
            throw FsException.of(Errno.ENOTSUP, "unsupported xattr namespace: %s", name);
    }

    private static void checkAccess(VolumeTx t, long ino, InodeRecord r, String name, boolean write) {
        if (PosixAcl.isAclName(name)) {
            // Anyone who can reach the inode may read its ACLs; changing them is the owner's.
            if (write) Permissions.owner(t.caller, r, ino);
        } else if (name.startsWith("trusted.")) {
            if (!Permissions.isRoot(t.caller)) throw FsException.of(write ? Errno.EPERM : Errno.ENODATA, "trusted xattrs are root's");
        } else if (name.startsWith("user.")) {
            if (!r.isFile() && !r.isDir())
                throw FsException.of(write ? Errno.EPERM : Errno.ENODATA, "user xattrs only on files and directories");
            if (write && r.isDir() && (r.mode() & Attr.S_ISVTX) != 0 && !Permissions.isOwner(t.caller, r))
                throw FsException.of(Errno.EPERM, "sticky directory owned by another user");
            Permissions.check(t, r, write ? MetaService.W_OK : MetaService.R_OK, ino);
        } else if (write) {
            Permissions.owner(t.caller, r, ino);
        }
    }

    static byte[] get(VolumeTx t, long ino, String name) {
        InodeRecord r = t.inode(ino);
        checkName(name);
        checkAccess(t, ino, r, name, false);
        byte[] v = t.kv.get(Keys.xattr(t.vol, ino, name));
        if (v == null) throw FsException.of(Errno.ENODATA, "no xattr %s", name);
        return v;
    }

    static void set(VolumeTx t, long ino, String name, byte[] value, int flags) {
        InodeRecord r = t.inode(ino);
        checkName(name);
        if (value == null) value = new byte[0];
        if (value.length > VALUE_MAX) throw FsException.of(Errno.E2BIG, "xattr value of %d bytes", value.length);
        if ((flags & ~(MetaService.XATTR_CREATE | MetaService.XATTR_REPLACE)) != 0)
            throw FsException.of(Errno.EINVAL, "bad xattr flags %d", flags);
        checkAccess(t, ino, r, name, true);
        byte[] key = Keys.xattr(t.vol, ino, name);
        boolean present = t.kv.get(key) != null;
        if ((flags & MetaService.XATTR_CREATE) != 0 && present) throw FsException.of(Errno.EEXIST, "xattr %s exists", name);
        if ((flags & MetaService.XATTR_REPLACE) != 0 && !present) throw FsException.of(Errno.ENODATA, "no xattr %s", name);
        if (PosixAcl.isAclName(name)) {
            Acls.set(t, ino, r, name, value);
            return;
        }
        t.w().put(key, value);
        t.putInode(ino, r.withCtime(t.now));
    }

    static List<String> list(VolumeTx t, long ino) {
        t.inode(ino);
        byte[] prefix = Keys.xattrs(t.vol, ino);
        List<String> out = new ArrayList<>();
        boolean root = Permissions.isRoot(t.caller);
        for (KvEntry e : t.kv.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE)) {
            String name = Keys.tail(e.key(), prefix.length);
            if (root || !name.startsWith("trusted.")) out.add(name);
        }
        return out;
    }

    static void remove(VolumeTx t, long ino, String name) {
        InodeRecord r = t.inode(ino);
        checkName(name);
        checkAccess(t, ino, r, name, true);
        byte[] key = Keys.xattr(t.vol, ino, name);
        if (t.kv.get(key) == null) throw FsException.of(Errno.ENODATA, "no xattr %s", name);
        t.w().delete(key);
        t.putInode(ino, r.withCtime(t.now));
    }
}
