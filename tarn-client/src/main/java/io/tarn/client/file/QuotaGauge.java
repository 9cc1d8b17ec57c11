package io.tarn.client.file;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.StatFs;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The client's early check of the volume's byte quota (ADR 0133). The server refuses a commit that would
 * pass the quota, but commits happen at flush and close: without this, a {@code dd} past the quota would
 * fill this client's buffers and learn of EDQUOT only at close. So writes that grow files ask here first:
 * the server's usage (a statfs at most {@link #MAX_AGE_NANOS} old, fetched again when a write would pass
 * the quota) plus what this client has written past the end of files and not yet committed.
 *
 * <p>Only bytes past a file's end count as growth: an overwrite inside the file may fill a hole, which the
 * server counts at commit. Other clients' unflushed writes are invisible, so several clients together may
 * overshoot by what they have buffered; the server's check then refuses their commits.
 */
public final class QuotaGauge {
    static final long MAX_AGE_NANOS = 1_000_000_000L;
    private final Supplier<StatFs> statfs;
    private final AtomicLong pending = new AtomicLong();
    /** Growth this client committed since the statfs it holds was fetched (that statfs does not show it). */
    private final AtomicLong committedSinceFetch = new AtomicLong();
    private volatile StatFs last;
    private volatile long fetchedAt;

    /** {@code statfs} asks the server (a cheap read); null or an error means no check. */
    public QuotaGauge(Supplier<StatFs> statfs) {
        this.statfs = statfs;
    }

    /** A gauge that never refuses (views, tests). */
    public static QuotaGauge none() {
        return new QuotaGauge(() -> null);
    }

    /** Takes a statfs answer someone else fetched. */
    public void seen(StatFs s) {
        committedSinceFetch.set(0);
        last = s;
        fetchedAt = System.nanoTime();
    }

    private long room(StatFs s) {
        return s.quotaBytes() - s.usedBytes() - committedSinceFetch.get() - pending.get();
    }

    private StatFs current(boolean fresh) {
        StatFs s = last;
        if (s == null || fresh || System.nanoTime() - fetchedAt > MAX_AGE_NANOS) {
            try {
                s = statfs.get();
            } catch (FsException e) {
                return last; // the server decides at commit anyway
            }
            if (s != null) seen(s);
        }
        return s;
    }

    /**
     * How many of {@code growth} new bytes may be buffered now (all of them without a quota); EDQUOT if
     * none. A fresh statfs is taken before refusing, as the cached one may predate frees.
     */
    public long allow(long growth) {
        if (growth <= 0) return growth;
        StatFs s = current(false);
        if (s == null || s.quotaBytes() <= 0) return growth;
        long room = room(s);
        if (room < growth) {
            s = current(true);
            if (s == null || s.quotaBytes() <= 0) return growth;
            room = room(s);
        }
        if (room <= 0)
            throw FsException.of(Errno.EDQUOT, "the volume's quota of %d bytes is used up (%d used, %d buffered here)",
                    s.quotaBytes(), s.usedBytes(), pending.get());
        return Math.min(room, growth);
    }

    /** Counts bytes written past a file's end that are not committed yet. */
    void added(long bytes) {
        if (bytes != 0) pending.addAndGet(bytes);
    }

    /** Growth that was pending is committed now (or dropped: {@code kept} false). */
    void settled(long bytes, boolean kept) {
        if (bytes == 0) return;
        pending.addAndGet(-bytes);
        if (kept) committedSinceFetch.addAndGet(bytes);
    }

    /** Bytes buffered past files' ends by this client. */
    public long pending() {
        return pending.get();
    }
}
