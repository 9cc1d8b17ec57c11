package io.tarn.client;

import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.RetryPolicy;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Tunables of one client. {@code writeBufferBytes} bounds the memory held by unflushed block buffers
 * (writers wait when it is used up); {@code cacheBytes} bounds the decoded-block cache; the
 * concurrencies bound object-store requests in flight; {@code dirPageSize} is how many names one
 * directory read asks the metadata server for; {@code heartbeat} keeps the session alive;
 * {@code readaheadBlocks} is how many blocks past a sequential read are fetched ahead (0: none);
 * {@code inlineMax}: files of at most this many bytes are kept in the metadata, with no object (ADR 0141);
 * {@code readAround}: a mount pushes the region around a small random read into the kernel's page cache
 * (ADR 0070, Decision 8).
 */
public record ClientConfig(long writeBufferBytes, int uploadConcurrency, int downloadConcurrency, long cacheBytes,
                           int dirPageSize, RetryPolicy retry, Duration heartbeat, int readaheadBlocks, DiskCache diskCache,
                           Atime atime, int inlineMax, boolean readAround) {
    // 25 write buffers and 76 cached blocks of 4 MiB, each taking 5 MiB of heap (HeapFootprint): a 256 MiB
    // working set stays cached. 12 transfers each way keep the daemon's heap at 760 MiB, so that with every
    // cache and buffer full it stays under 1 GiB resident (ADR 0070, "Memory with full caches").
    public static final ClientConfig DEFAULTS = new ClientConfig(128L << 20, 12, 12, 384L << 20, 512,
            RetryPolicy.DEFAULT, Duration.ofSeconds(10), 2, DiskCache.OFF, Atime.RELATIME, 4096, true);

    /**
     * When reads update a file's access time: never ({@code noatime}), when it is not newer than mtime or
     * ctime or is a day old ({@code relatime}, the default, as Linux), or on every read ({@code strictatime}).
     */
    public enum Atime { NOATIME, RELATIME, STRICTATIME }

    /**
     * The client's local disk: where, how large the block cache may grow, and how much free space to leave on
     * its file system (below that it stops caching, and write-back writes through). {@code dir == null}: no
     * disk cache. With {@code writeBack}, closed and synced blocks are staged under {@code dir} (at most
     * {@code writeBackBytes}) and uploaded in the background (ADR 0071).
     */
    public record DiskCache(java.nio.file.Path dir, long maxBytes, long freeFloorBytes, boolean writeBack, long writeBackBytes) {
        public static final DiskCache OFF = new DiskCache(null, 0, 0, false, 0);

        public DiskCache {
            if (maxBytes < 0 || freeFloorBytes < 0 || writeBackBytes < 0)
                throw FsException.of(Errno.EINVAL, "disk cache sizes must not be negative");
        }

        public DiskCache(java.nio.file.Path dir, long maxBytes, long freeFloorBytes) {
            this(dir, maxBytes, freeFloorBytes, false, 0);
        }

        DiskCache withWriteBack(boolean on, long bytes) {
            return new DiskCache(dir, maxBytes, freeFloorBytes, on, bytes);
        }
    }

    public ClientConfig {
        if (writeBufferBytes <= 0) throw FsException.of(Errno.EINVAL, "write buffer must be positive");
        if (uploadConcurrency < 1 || downloadConcurrency < 1) throw FsException.of(Errno.EINVAL, "concurrency must be at least 1");
        if (cacheBytes < 0) throw FsException.of(Errno.EINVAL, "cache size must not be negative");
        if (dirPageSize < 1) throw FsException.of(Errno.EINVAL, "directory page size must be at least 1");
        if (readaheadBlocks < 0) throw FsException.of(Errno.EINVAL, "read-ahead must not be negative");
        if (diskCache == null) diskCache = DiskCache.OFF;
        if (atime == null) atime = Atime.RELATIME;
        if (inlineMax < 0 || inlineMax > BlockRef.INLINE_MAX)
            throw FsException.of(Errno.EINVAL, "inline-max must be from 0 to %dK, not %d bytes", BlockRef.INLINE_MAX >> 10, inlineMax);
    }

    /** Files of at most this many bytes keep their data in the metadata, with no object (ADR 0141; 0: none). */
    public ClientConfig withInlineMax(int bytes) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, atime, bytes, readAround);
    }

    /** Whether a mount pushes the region around a small random read into the kernel's page cache (ADR 0070, Decision 8). */
    public ClientConfig withReadAround(boolean on) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, on);
    }

    public ClientConfig withWriteBuffer(long bytes) {
        return new ClientConfig(bytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, readAround);
    }

    public ClientConfig withCache(long bytes) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, bytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, readAround);
    }

    public ClientConfig withConcurrency(int uploads, int downloads) {
        return new ClientConfig(writeBufferBytes, uploads, downloads, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, readAround);
    }

    public ClientConfig withDirPageSize(int n) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, n, retry, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, readAround);
    }

    public ClientConfig withReadahead(int blocks) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, blocks, diskCache, atime, inlineMax, readAround);
    }

    public ClientConfig withDiskCache(DiskCache d) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, d, atime, inlineMax, readAround);
    }

    public ClientConfig withAtime(Atime a) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, retry, heartbeat, readaheadBlocks, diskCache, a, inlineMax, readAround);
    }

    public ClientConfig withRetry(RetryPolicy p) {
        return new ClientConfig(writeBufferBytes, uploadConcurrency, downloadConcurrency, cacheBytes, dirPageSize, p, heartbeat, readaheadBlocks, diskCache, atime, inlineMax, readAround);
    }

    /**
     * Parses options as given on a command line or in a file: {@code write-buffer}, {@code cache-size}
     * (sizes like 64M, 1G), {@code upload-concurrency}, {@code download-concurrency}, {@code dir-page-size}, {@code readahead} (blocks), {@code atime} (noatime, relatime, strictatime),
     * {@code cache-dir} (a local disk cache; default size 10G, free-space floor 1G), {@code disk-cache-size}, {@code disk-free-floor},
     * {@code inline-max} (a size, at most 64K; 0: no inline files), {@code read-around} (on/off; default on),
     * {@code writeback} (on/off; needs cache-dir) and {@code writeback-size} (default 10G),
     * {@code retry-attempts}, {@code retry-deadline} and {@code heartbeat} (durations like 500ms, 30s, 2m).
     * Unknown keys and bad values are EINVAL naming the key.
     */
    public static ClientConfig parse(Map<String, String> options) {
        ClientConfig c = DEFAULTS;
        RetryPolicy r = c.retry;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String k = e.getKey(), v = e.getValue().trim();
            try {
                c = switch (k) {
                    case "write-buffer" -> c.withWriteBuffer(size(v));
                    case "cache-size" -> c.withCache(size(v));
                    case "upload-concurrency" -> c.withConcurrency(Integer.parseInt(v), c.downloadConcurrency);
                    case "download-concurrency" -> c.withConcurrency(c.uploadConcurrency, Integer.parseInt(v));
                    case "dir-page-size" -> c.withDirPageSize(Integer.parseInt(v));
                    case "heartbeat" -> new ClientConfig(c.writeBufferBytes, c.uploadConcurrency, c.downloadConcurrency,
                            c.cacheBytes, c.dirPageSize, c.retry, duration(v), c.readaheadBlocks, c.diskCache, c.atime, c.inlineMax, c.readAround);
                    case "readahead" -> c.withReadahead(Integer.parseInt(v));
                    case "inline-max" -> c.withInlineMax((int) Math.min(Integer.MAX_VALUE, size(v)));
                    case "read-around" -> c.withReadAround(flag(v));
                    case "atime" -> c.withAtime(Atime.valueOf(v.toUpperCase(Locale.ROOT)));
                    case "cache-dir" -> c.withDiskCache(new DiskCache(v.isEmpty() ? null : java.nio.file.Path.of(v),
                            c.diskCache.dir() == null && c.diskCache.maxBytes() == 0 ? 10L << 30 : c.diskCache.maxBytes(),
                            c.diskCache.freeFloorBytes() == 0 ? 1L << 30 : c.diskCache.freeFloorBytes(),
                            c.diskCache.writeBack(), c.diskCache.writeBackBytes()));
                    case "disk-cache-size" -> c.withDiskCache(new DiskCache(c.diskCache.dir(), size(v), c.diskCache.freeFloorBytes(),
                            c.diskCache.writeBack(), c.diskCache.writeBackBytes()));
                    case "disk-free-floor" -> c.withDiskCache(new DiskCache(c.diskCache.dir(), c.diskCache.maxBytes(), size(v),
                            c.diskCache.writeBack(), c.diskCache.writeBackBytes()));
                    case "writeback" -> c.withDiskCache(c.diskCache.withWriteBack(flag(v), c.diskCache.writeBackBytes()));
                    case "writeback-size" -> c.withDiskCache(c.diskCache.withWriteBack(c.diskCache.writeBack(), size(v)));
                    case "retry-attempts" -> {
                        r = new RetryPolicy(Integer.parseInt(v), r.baseDelay(), r.maxDelay(), r.deadline(), r.attemptTimeout());
                        yield c;
                    }
                    case "retry-deadline" -> {
                        r = new RetryPolicy(r.maxAttempts(), r.baseDelay(), r.maxDelay(), duration(v), r.attemptTimeout());
                        yield c;
                    }
                    default -> throw FsException.of(Errno.EINVAL, "unknown client option %s", k);
                };
            } catch (NumberFormatException ex) {
                throw FsException.of(Errno.EINVAL, "bad value for %s: %s", k, v);
            } catch (IllegalArgumentException ex) {
                throw FsException.of(Errno.EINVAL, "bad value for %s: %s (%s)", k, v, ex.getMessage());
            }
        }
        if (c.diskCache.writeBack()) {
            if (c.diskCache.dir() == null)
                throw FsException.of(Errno.EINVAL, "writeback stages blocks on local disk: give cache-dir=DIR as well");
            if (c.diskCache.writeBackBytes() == 0) c = c.withDiskCache(c.diskCache.withWriteBack(true, 10L << 30));
        }
        return c.withRetry(r);
    }

    private static boolean flag(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "", "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("expected on or off");
        };
    }

    static long size(String v) {
        String s = v.toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long mult = 1;
        if (!s.isEmpty()) {
            char last = s.charAt(s.length() - 1);
            mult = switch (last) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                case 'T' -> 1L << 40;
                default -> 1;
            };
            if (mult != 1) s = s.substring(0, s.length() - 1);
        }
        long n = Long.parseLong(s.trim());
        if (n < 0 || n > Long.MAX_VALUE / mult) throw new NumberFormatException(v);
        return n * mult;
    }

    /** A duration like 500ms, 30s, 2m or a bare number of seconds; NumberFormatException if malformed. */
    public static Duration duration(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        if (s.endsWith("s")) return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
        if (s.endsWith("m")) return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        return Duration.ofSeconds(Long.parseLong(s));
    }
}
