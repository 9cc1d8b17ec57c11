package io.tarn.fuse;

import io.tarn.api.Attr;

/**
 * A name resolved to a node: the reply of LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and CREATE. Timeouts
 * in nanoseconds say how long the kernel may cache the name and the attributes; -1 uses the session
 * defaults. A negative entry ({@code attr == null}) caches "no such name" for its entry timeout.
 */
public record Entry(Attr attr, long generation, long entryTimeoutNanos, long attrTimeoutNanos) {
    public static Entry of(Attr attr) {
        return new Entry(attr, 0, -1, -1);
    }

    public static Entry negative(long timeoutNanos) {
        return new Entry(null, 0, timeoutNanos, 0);
    }

    public long nodeId() {
        return attr == null ? 0 : attr.ino();
    }
}
