package io.tarn.fuse;

import java.time.Duration;

/**
 * How a session serves: worker threads and queues, the INIT flags we ask for, size limits, and the
 * default cache timeouts used when a reply does not carry its own. Build with {@link #builder()}.
 *
 * @param workers          platform threads reading requests, each on its own cloned queue if {@code cloneQueues}
 * @param handoffReady     poll mode: workers wait in poll(2) beside an eventfd, so a handoff stops them
 *                         without a request through the mount (one extra syscall per request; handoff
 *                         works without it too, see ADR 0011)
 * @param maxWrite         largest WRITE (and READ) payload; 1 MiB needs max_pages 256
 * @param maxReadahead     0 takes the kernel's offer; the kernel only lets us lower it
 * @param handleKillprivV2 the filesystem clears suid/sgid (and security.capability) itself on write
 *                         (WRITE flag 4), truncate/chown (SETATTR KILL_SUIDGID) and O_TRUNC open; spares the
 *                         kernel's GETXATTR security.capability before every write
 * @param spinMicros       after its queue runs dry a worker keeps trying to read for this long before it
 *                         sleeps in poll(2) (implies non-blocking queues as in poll mode); 0 = never spin.
 *                         Trades idle CPU for the wake-up of a sleeping worker (see ADR 0014)
 * @param dontMask         the kernel leaves the umask to the filesystem (DONT_MASK), which applies it unless
 *                         the parent directory has a default ACL
 */
public record FuseConfig(int workers, boolean cloneQueues, boolean handoffReady, int maxWrite, int maxReadahead,
                         boolean asyncRead, boolean parallelDirops, boolean readdirplus, boolean readdirplusAuto,
                         boolean writebackCache, boolean posixLocks, boolean flockLocks, boolean atomicOTrunc,
                         boolean exportSupport, boolean cacheSymlinks, boolean autoInvalData,
                         boolean handleKillpriv, boolean handleKillprivV2, boolean supplementaryGroups, boolean noOpenSupport,
                         long entryTimeoutNanos, long attrTimeoutNanos, int maxBackground,
                         int congestionThreshold, int spinMicros, boolean dontMask) {

    public static Builder builder() {
        return new Builder();
    }

    public static FuseConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.workers = workers; b.cloneQueues = cloneQueues; b.handoffReady = handoffReady; b.maxWrite = maxWrite;
        b.maxReadahead = maxReadahead; b.asyncRead = asyncRead; b.parallelDirops = parallelDirops;
        b.readdirplus = readdirplus; b.readdirplusAuto = readdirplusAuto; b.writebackCache = writebackCache;
        b.posixLocks = posixLocks; b.flockLocks = flockLocks; b.atomicOTrunc = atomicOTrunc;
        b.exportSupport = exportSupport; b.cacheSymlinks = cacheSymlinks; b.autoInvalData = autoInvalData;
        b.handleKillpriv = handleKillpriv; b.handleKillprivV2 = handleKillprivV2; b.supplementaryGroups = supplementaryGroups;
        b.noOpenSupport = noOpenSupport; b.entryTimeoutNanos = entryTimeoutNanos;
        b.attrTimeoutNanos = attrTimeoutNanos; b.maxBackground = maxBackground;
        b.congestionThreshold = congestionThreshold;
        b.spinMicros = spinMicros;
        b.dontMask = dontMask;
        return b;
    }

    /** Mutable builder with the defaults we measured as sensible on a small machine. */
    public static final class Builder {
        private int workers = 2;
        private boolean cloneQueues = true, handoffReady = false;
        private int maxWrite = 1 << 20, maxReadahead = 0;
        private boolean asyncRead = true, parallelDirops = true, readdirplus = false, readdirplusAuto = true;
        private boolean writebackCache = false, posixLocks = false, flockLocks = false, atomicOTrunc = true;
        private boolean exportSupport = false, cacheSymlinks = false, autoInvalData = true, handleKillpriv = false, handleKillprivV2 = false;
        private boolean supplementaryGroups = true, noOpenSupport = false;
        private long entryTimeoutNanos = 1_000_000_000L, attrTimeoutNanos = 1_000_000_000L;
        private int maxBackground = 64, congestionThreshold = 48;
        private int spinMicros = 0;
        private boolean dontMask = false;

        public Builder workers(int n) { workers = Math.max(1, n); return this; }
        public Builder cloneQueues(boolean v) { cloneQueues = v; return this; }
        public Builder handoffReady(boolean v) { handoffReady = v; return this; }
        public Builder maxWrite(int bytes) { maxWrite = Math.max(4096, bytes); return this; }
        public Builder maxReadahead(int bytes) { maxReadahead = bytes; return this; }
        public Builder asyncRead(boolean v) { asyncRead = v; return this; }
        public Builder parallelDirops(boolean v) { parallelDirops = v; return this; }
        public Builder readdirplus(boolean v, boolean auto) { readdirplus = v; readdirplusAuto = auto; return this; }
        public Builder writebackCache(boolean v) { writebackCache = v; return this; }
        public Builder posixLocks(boolean v) { posixLocks = v; return this; }
        public Builder flockLocks(boolean v) { flockLocks = v; return this; }
        public Builder atomicOTrunc(boolean v) { atomicOTrunc = v; return this; }
        public Builder exportSupport(boolean v) { exportSupport = v; return this; }
        public Builder cacheSymlinks(boolean v) { cacheSymlinks = v; return this; }
        public Builder autoInvalData(boolean v) { autoInvalData = v; return this; }
        public Builder handleKillpriv(boolean v) { handleKillpriv = v; return this; }
        public Builder handleKillprivV2(boolean v) { handleKillprivV2 = v; return this; }
        public Builder supplementaryGroups(boolean v) { supplementaryGroups = v; return this; }
        public Builder noOpenSupport(boolean v) { noOpenSupport = v; return this; }
        public Builder entryTimeout(Duration d) { entryTimeoutNanos = d.toNanos(); return this; }
        public Builder attrTimeout(Duration d) { attrTimeoutNanos = d.toNanos(); return this; }
        public Builder maxBackground(int n) { maxBackground = n; return this; }
        public Builder congestionThreshold(int n) { congestionThreshold = n; return this; }
        public Builder spinMicros(int us) { spinMicros = Math.max(0, us); return this; }
        public Builder dontMask(boolean v) { dontMask = v; return this; }

        public FuseConfig build() {
            return new FuseConfig(workers, cloneQueues, handoffReady, maxWrite, maxReadahead, asyncRead,
                    parallelDirops, readdirplus, readdirplusAuto, writebackCache, posixLocks, flockLocks,
                    atomicOTrunc, exportSupport, cacheSymlinks, autoInvalData, handleKillpriv,
                    handleKillprivV2, supplementaryGroups, noOpenSupport, entryTimeoutNanos, attrTimeoutNanos, maxBackground,
                    congestionThreshold, spinMicros, dontMask);
        }
    }
}
