package io.tarn.client.file;

import io.tarn.api.BlockRef;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A block being written: {@code buf} holds the block's bytes [0, length), zeros beyond. {@code buf} may
 * be shorter than the block: it grows (see {@link WriteBudget#SMALL}) before anything is put past its
 * end, and before a pending base is filled in (until then {@code length} may run past it). When the
 * block already had data, that data ({@code base}) is read only if it is needed: while the writes into
 * the block form one contiguous range, the base bytes outside it are still to be filled in, and a range
 * that grows to cover all of them (a sequential overwrite) never reads the base at all.
 * Not thread-safe: the owning {@link OpenFile}'s lock guards it.
 */
final class DirtyBlock {
    final long index;
    byte[] buf;
    int length;
    /** Set while the buffer is being uploaded; the buffer must not change meanwhile. */
    CompletableFuture<Void> upload;

    private BlockRef base;
    private int baseLength;
    private int from, to; // the written range while the base is pending; from == to: nothing written yet

    DirtyBlock(long index, byte[] buf) {
        this.index = index;
        this.buf = buf;
    }

    /** Makes {@code buf} hold at least {@code end} bytes (callers do this before putting bytes into it). */
    void ensure(int end, WriteBudget budget) {
        if (end > buf.length) buf = budget.grow(buf);
    }

    /** The first {@code keep} bytes of the block are those of {@code ref}, not read yet. */
    void pendingBase(BlockRef ref, int keep) {
        base = ref;
        baseLength = keep;
        length = keep;
    }

    /** The base still to be read, or null when {@code buf} is complete. */
    BlockRef missingBase() {
        return base;
    }

    /** Whether writing {@code [off, off+n)} keeps the written bytes one range (so the base may still wait). */
    boolean canDefer(int off, int n) {
        return base == null || from == to || (off <= to && off + n >= from);
    }

    /** Records a write of {@code [off, off+n)} into {@code buf}. */
    void wrote(int off, int n) {
        if (base != null) {
            if (from == to) {
                from = off;
                to = off + n;
            } else {
                from = Math.min(from, off);
                to = Math.max(to, off + n);
            }
            if (from == 0 && to >= baseLength) base = null; // every base byte has been overwritten
        }
        length = Math.max(length, off + n);
    }

    /** Fills in the base bytes that were not overwritten, from the base block's plain content. */
    void fillBase(ByteBuffer plain) {
        if (from == to) {
            plain.get(0, buf, 0, baseLength);
        } else {
            plain.get(0, buf, 0, Math.min(from, baseLength));
            if (to < baseLength) plain.get(to, buf, to, baseLength - to);
        }
        base = null;
    }

    int baseLength() {
        return baseLength;
    }
}
