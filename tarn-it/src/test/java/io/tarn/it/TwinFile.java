package io.tarn.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A file through the mount and its reference twin on a local disk, changed by the same calls at the
 * same time. Each side keeps one open read-write handle, as a long-running application would; appends
 * and O_TRUNC opens use handles of their own. {@link #compare} reads the mount through a fresh open, so
 * the kernel's page cache of the file is dropped and the bytes come from the daemon.
 */
final class TwinFile implements AutoCloseable {
    final Path mounted, reference;
    private RandomAccessFile m, r;

    TwinFile(Path mounted, Path reference) throws IOException {
        this.mounted = mounted;
        this.reference = reference;
        open();
    }

    private void open() throws IOException {
        m = new RandomAccessFile(mounted.toFile(), "rw");
        r = new RandomAccessFile(reference.toFile(), "rw");
    }

    long size() throws IOException {
        return r.length();
    }

    void write(long offset, byte[] data) throws IOException {
        writeFully(m.getChannel(), offset, data);
        writeFully(r.getChannel(), offset, data);
    }

    /** O_APPEND through a handle of its own, closed at once (so this also flushes and releases). */
    void append(byte[] data) throws IOException {
        for (Path p : new Path[] {mounted, reference}) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) c.write(b);
            }
        }
    }

    /** ftruncate on the open handles: shrinks or grows (the grown part reads as zeros). */
    void truncate(long size) throws IOException {
        m.setLength(size);
        r.setLength(size);
    }

    /** An open with O_TRUNC while the long-lived handles stay open. */
    void openTruncating() throws IOException {
        for (Path p : new Path[] {mounted, reference}) {
            FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).close();
        }
    }

    void fsync() throws IOException {
        m.getChannel().force(true);
        r.getChannel().force(true);
    }

    /** Closes and opens again the long-lived handles: release, then a new open. */
    void reopen() throws IOException {
        close();
        open();
    }

    /** Reads {@code [offset, offset+len)} through the open handle on both sides; null when equal, else what differs. */
    String readBack(long offset, int len) throws IOException {
        byte[] a = readAt(m.getChannel(), offset, len), b = readAt(r.getChannel(), offset, len);
        return Arrays.equals(a, b) ? null : "read of " + len + " at " + offset + " through the open handle: "
                + describeDifference(a, b, offset);
    }

    /** Size and every byte, the mount read through a fresh open; null when equal, else what differs. */
    String compare() throws IOException {
        long want = Files.size(reference), got = Files.size(mounted);
        if (want != got) return mounted.getFileName() + ": size " + got + " through the mount, " + want + " in the reference";
        try (FileChannel a = FileChannel.open(mounted); FileChannel b = FileChannel.open(reference)) {
            int chunk = 1 << 20;
            for (long off = 0; off < want; off += chunk) {
                int n = (int) Math.min(chunk, want - off);
                byte[] x = readAt(a, off, n), y = readAt(b, off, n);
                if (!Arrays.equals(x, y)) return mounted.getFileName() + ": " + describeDifference(x, y, off);
            }
            if (a.read(ByteBuffer.allocate(1), want) != -1) return mounted.getFileName() + ": bytes past the size";
        }
        return null;
    }

    private static String describeDifference(byte[] got, byte[] want, long base) {
        if (got.length != want.length) return "got " + got.length + " bytes, want " + want.length;
        int i = Arrays.mismatch(got, want);
        int j = i;
        while (j < got.length && got[j] != want[j]) j++;
        return String.format("first difference at byte %d (got 0x%02x, want 0x%02x), differing run of %d bytes",
                base + i, got[i], want[i], j - i);
    }

    private static void writeFully(FileChannel c, long offset, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) c.write(b, offset + b.position());
    }

    /** Up to {@code len} bytes at {@code offset}: fewer only at the end of the file. */
    private static byte[] readAt(FileChannel c, long offset, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (c.read(b, offset + b.position()) < 0) break;
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Override
    public void close() throws IOException {
        try {
            if (m != null) m.close();
        } finally {
            if (r != null) r.close();
        }
    }
}
