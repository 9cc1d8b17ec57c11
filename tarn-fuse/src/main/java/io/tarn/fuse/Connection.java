package io.tarn.fuse;

/**
 * What the kernel offered and what we agreed on at INIT: protocol version, the kernel's flags, the
 * flags we enabled, and the size limits. It travels to a successor on handoff (there is no second INIT).
 */
public record Connection(int major, int minor, long kernelFlags, long flags, int maxWrite, int maxReadahead,
                         int maxPages, int maxBackground, int congestionThreshold, int timeGran) {
    public boolean has(long flag) {
        return (flags & flag) != 0;
    }
}
