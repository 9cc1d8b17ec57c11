package io.tarn.api;

/**
 * One thing a committed mutation changed in a volume, as the change feed tells other clients
 * (ADR 0120): {@link #ATTR} the attributes of inode {@code ino}, {@link #DATA} its data (block map,
 * and with it size and times), {@link #ENTRY} the name {@code name} in directory {@code ino} (added,
 * removed or pointed elsewhere), {@link #XATTR} its extended attributes. {@code name} is null except
 * for ENTRY. A change carries no new value: a client drops what it cached and asks again.
 */
public record Change(int kind, long ino, String name) {
    public static final int ATTR = 1, DATA = 2, ENTRY = 3, XATTR = 4;

    public Change {
        if (kind < ATTR || kind > XATTR) throw FsException.of(Errno.EINVAL, "unknown change kind %d", kind);
        if ((kind == ENTRY) != (name != null))
            throw FsException.of(Errno.EINVAL, "a change names an entry exactly when it is of kind ENTRY");
    }

    public static Change attr(long ino) {
        return new Change(ATTR, ino, null);
    }

    public static Change data(long ino) {
        return new Change(DATA, ino, null);
    }

    public static Change entry(long parent, String name) {
        return new Change(ENTRY, parent, name);
    }

    public static Change xattr(long ino) {
        return new Change(XATTR, ino, null);
    }
}
