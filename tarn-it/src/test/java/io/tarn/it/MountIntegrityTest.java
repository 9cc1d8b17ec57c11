package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of random writes, overwrites, truncates and appends on several files through a real mount
 * and on local reference files at once, compared byte for byte at every checkpoint and after remounts.
 * The volume has the smallest block size (256 KiB) and offsets and sizes are drawn around block edges,
 * so partial blocks, block-spanning writes, holes and shrinking into a block are hit often.
 *
 * <p>Seeded: the seed is printed first and in every failure; rerun one with {@code -Dtarn.it.seed=N}.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MountIntegrityTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int BLOCK = 256 << 10;
    private static final int FILES = 4;
    private static final long MAX_SIZE = 12L * BLOCK + 777;
    private static final int OPS_BEFORE_REMOUNT = 2500, OPS_AFTER_REMOUNT = 700, CHECK_EVERY = 250;
    /** Stops a phase early on a slow machine; the test stays bounded and still checks what it did. */
    private static final Duration PHASE_BUDGET = Duration.ofSeconds(40);

    @TempDir Path tmp;
    private MountedVolume mv;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private long seed;
    private int opsDone;

    @AfterEach
    void unmount() throws Exception {
        if (mv != null) mv.close();
    }

    @Test
    void randomChangesMatchReferenceFilesAtCheckpointsAndAfterRemounts() throws Exception {
        seed = Long.getLong("tarn.it.seed", new SecureRandom().nextLong());
        System.out.println("MountIntegrityTest seed " + seed + " (rerun: -Dtarn.it.seed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        Path data = tmp.resolve("data"), mnt = tmp.resolve("mnt"), ref = Files.createDirectories(tmp.resolve("ref"));
        String created = Programs.tarn(T, "volume", "create", "rnd", "--block-size", "256K", "--data", data.toString()).ok().out();
        assertTrue(created.contains("block size 256.0 KiB"), created);

        mv = MountedVolume.mount("rnd", mnt, "--data", data.toString());
        Files.createDirectories(mnt.resolve("d"));
        List<TwinFile> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) files.add(new TwinFile(mnt.resolve("d/f" + i), ref.resolve("f" + i)));
        long started = System.nanoTime();
        try {
            runPhase(rnd, files, OPS_BEFORE_REMOUNT);
        } catch (IOException e) {
            throw new AssertionError(failure("an operation failed: " + e), e);
        }
        closeAll(files);
        checkpoint(files, "before the first remount");

        remount(data, mnt);
        checkpoint(files, "after the first remount");
        files.replaceAll(f -> reopen(f));
        try {
            runPhase(rnd, files, OPS_AFTER_REMOUNT);
        } catch (IOException e) {
            throw new AssertionError(failure("an operation failed: " + e), e);
        }
        closeAll(files);
        remount(data, mnt);
        checkpoint(files, "after the second remount");
        System.out.printf("MountIntegrityTest seed %d: %d operations on %d files in %.1f s, all equal%n",
                seed, opsDone, FILES, (System.nanoTime() - started) / 1e9);
    }

    private void runPhase(SplittableRandom rnd, List<TwinFile> files, int ops) throws IOException {
        long deadline = System.nanoTime() + PHASE_BUDGET.toNanos();
        for (int i = 1; i <= ops; i++) {
            TwinFile f = files.get(rnd.nextInt(files.size()));
            String op = step(rnd, f);
            remember(f.mounted.getFileName() + " " + op);
            opsDone++;
            if (op.startsWith("read") && !op.endsWith("equal")) fail("a read-back differs: " + op);
            if (i % CHECK_EVERY == 0) checkpoint(files, "after operation " + opsDone);
            if (System.nanoTime() > deadline) {
                System.out.printf("MountIntegrityTest: phase stopped by its time budget after %d of %d operations%n", i, ops);
                break;
            }
        }
        checkpoint(files, "at the end of a phase, operation " + opsDone);
    }

    /** One random operation on both sides; returns what it did, for the failure report. */
    private String step(SplittableRandom rnd, TwinFile f) throws IOException {
        long size = f.size();
        int dice = rnd.nextInt(100);
        if (dice < 45) {
            int len = length(rnd);
            long off = offset(rnd, size);
            if (off + len > MAX_SIZE) off = rnd.nextLong(MAX_SIZE - len);
            f.write(off, content(rnd, len));
            return "write " + len + " at " + off + (off > size ? " (leaves a hole)" : "") + " size was " + size;
        } else if (dice < 60) {
            int len = length(rnd);
            if (size + len > MAX_SIZE) return "append skipped at size " + size;
            f.append(content(rnd, len));
            return "append " + len + " at " + size;
        } else if (dice < 72) {
            long to = switch (rnd.nextInt(6)) {
                case 0 -> 0;
                case 1, 2 -> size == 0 ? 0 : rnd.nextLong(size);
                case 3 -> Math.max(0, Math.min(MAX_SIZE, (long) rnd.nextInt(13) * BLOCK + rnd.nextInt(-64, 65)));
                default -> rnd.nextLong(MAX_SIZE);
            };
            f.truncate(to);
            return "truncate " + size + " -> " + to;
        } else if (dice < 74) {
            f.openTruncating();
            return "open O_TRUNC at size " + size;
        } else if (dice < 88) {
            int len = length(rnd);
            long off = size == 0 ? 0 : rnd.nextLong(size);
            String diff = f.readBack(off, len);
            return diff == null ? "read " + len + " at " + off + " equal" : "read: " + diff;
        } else if (dice < 95) {
            f.fsync();
            return "fsync";
        }
        f.reopen();
        return "close and reopen";
    }

    /** Lengths from one byte to two blocks and a bit, a fifth of them at least half a block. */
    private static int length(SplittableRandom rnd) {
        return switch (rnd.nextInt(20)) {
            case 0, 1, 2 -> rnd.nextInt(1, 65);
            case 3, 4, 5, 6, 7, 8, 9 -> rnd.nextInt(1, 8193);
            case 10, 11, 12, 13, 14, 15 -> rnd.nextInt(1, 128 << 10);
            default -> rnd.nextInt(BLOCK / 2, 2 * BLOCK + 8);
        };
    }

    /** Offsets near block edges, anywhere inside the file, or past its end (a hole). */
    private static long offset(SplittableRandom rnd, long size) {
        return switch (rnd.nextInt(5)) {
            case 0, 1 -> Math.max(0, (long) rnd.nextInt(13) * BLOCK + rnd.nextInt(-300, 301));
            case 2, 3 -> size == 0 ? 0 : rnd.nextLong(size);
            default -> size + rnd.nextLong(2L * BLOCK);
        };
    }

    /** Random bytes mostly; some runs compress (a repeated short pattern) so the lz4 path is taken too. */
    private static byte[] content(SplittableRandom rnd, int len) {
        byte[] b = new byte[len];
        if (rnd.nextInt(10) < 7) {
            rnd.nextBytes(b);
        } else {
            byte[] pattern = new byte[rnd.nextInt(1, 17)];
            rnd.nextBytes(pattern);
            for (int i = 0; i < len; i++) b[i] = pattern[i % pattern.length];
        }
        return b;
    }

    private void checkpoint(List<TwinFile> files, String when) throws IOException {
        for (TwinFile f : files) {
            String diff = f.compare();
            if (diff != null) fail(when + ": " + diff);
        }
    }

    private void remount(Path data, Path mnt) throws Exception {
        mv.close();
        mv = null;
        mv = MountedVolume.mount("rnd", mnt, "--data", data.toString());
    }

    private static TwinFile reopen(TwinFile f) {
        try {
            return new TwinFile(f.mounted, f.reference);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void closeAll(List<TwinFile> files) throws IOException {
        for (TwinFile f : files) f.close();
    }

    private void remember(String op) {
        if (recent.size() == 40) recent.removeFirst();
        recent.addLast(op);
    }

    private void fail(String what) {
        throw new AssertionError(failure(what));
    }

    private String failure(String what) {
        return "seed " + seed + " (rerun: -Dtarn.it.seed=" + seed + "): " + what
                + "\nlast operations, oldest first:\n  " + String.join("\n  ", recent);
    }
}
