package io.tarn.client.file;

import io.tarn.api.BlockRef;

import java.util.Arrays;

/**
 * What this client wrote into one block since its last commit of that block, and the committed block
 * its buffer was built on. When another client committed the block in between, the commit puts this
 * client's ranges on top of the other's block instead of replacing it whole (ADR 0111), so writes to
 * disjoint ranges of one block from two clients are both kept.
 *
 * <p>Bounded: past {@link #MAX_RANGES} ranges they are merged into their span, which may then
 * overwrite another client's bytes between them (as two clients' overlapping writes do anyway).
 * Not thread-safe: the owning {@link OpenFile}'s lock guards it.
 */
final class WrittenRanges {
    static final int MAX_RANGES = 64;

    /** The committed block the buffer started from (null: a hole or not known). */
    BlockRef builtOn;
    private int[] from = new int[4], to = new int[4];
    private int n;

    WrittenRanges(BlockRef builtOn) {
        this.builtOn = builtOn;
    }

    /** Records a write of {@code [start, end)}. */
    void add(int start, int end) {
        if (start >= end) return;
        // Sequential writers extend the last range: the common case costs no search.
        if (n > 0 && start <= to[n - 1] && start >= from[n - 1]) {
            to[n - 1] = Math.max(to[n - 1], end);
            return;
        }
        int i = 0;
        while (i < n && to[i] < start) i++;
        int j = i;
        int lo = start, hi = end;
        while (j < n && from[j] <= end) {
            lo = Math.min(lo, from[j]);
            hi = Math.max(hi, to[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0) {
            if (n == from.length) {
                from = Arrays.copyOf(from, n * 2);
                to = Arrays.copyOf(to, n * 2);
            }
            System.arraycopy(from, i, from, i + 1, n - i);
            System.arraycopy(to, i, to, i + 1, n - i);
            n++;
        } else if (removed > 1) {
            System.arraycopy(from, j, from, i + 1, n - j);
            System.arraycopy(to, j, to, i + 1, n - j);
            n -= removed - 1;
        }
        from[i] = lo;
        to[i] = hi;
        if (n > MAX_RANGES) {
            to[0] = to[n - 1];
            n = 1;
        }
    }

    /** True when the writes cover {@code [0, length)}: nothing of another client's block could show through. */
    boolean covers(int length) {
        return n == 1 && from[0] == 0 && to[0] >= length;
    }

    int end() {
        return n == 0 ? 0 : to[n - 1];
    }

    /**
     * This client's bytes ({@code mine}) over {@code theirs}: a block of {@code max(theirs.length, end())}
     * bytes, zeros where neither has data. {@code into} must be at least that long.
     */
    int overlay(byte[] mine, int mineLength, byte[] theirs, byte[] into) {
        int length = Math.max(theirs.length, end());
        System.arraycopy(theirs, 0, into, 0, theirs.length);
        Arrays.fill(into, theirs.length, length, (byte) 0);
        for (int k = 0; k < n; k++) {
            int e = Math.min(to[k], mineLength);
            if (e > from[k]) System.arraycopy(mine, from[k], into, from[k], e - from[k]);
        }
        return length;
    }
}
