package io.tarn.fuse;

import io.tarn.api.Attr;

/** The reply of GETATTR and SETATTR: attributes and how long (ns) the kernel may cache them; -1 = session default. */
public record Attributes(Attr attr, long timeoutNanos) {
    public static Attributes of(Attr attr) {
        return new Attributes(attr, -1);
    }
}
