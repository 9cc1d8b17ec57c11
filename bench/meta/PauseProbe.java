import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An application that times every I/O operation it does in a directory (normally on a Tarn mount), to
 * measure the longest pause it sees while the metadata server restarts. Modes, each on its own thread:
 * <ul>
 *   <li>{@code fsync}: 4 KiB record {@code i} (its number repeated) written at offset {@code i*4096} of
 *       {@code records}, then fsync; one operation per record.</li>
 *   <li>{@code meta}: create {@code names/n<i>}, stat it, rename it to {@code names/r<i>}, and a mkdir
 *       every 8th time; one operation per name.</li>
 * </ul>
 * Runs until {@code --seconds} have passed or, with {@code --until-eof}, until its stdin is closed.
 * Prints {@code progress MODE N} every 20 operations, {@code slow MODE START_EPOCH_MS MILLIS} for each
 * operation of 50 ms or more, then {@code done MODE ops=N longest_ms=X longest_at=EPOCH_MS}; the first
 * error prints {@code error MODE N ...} and exits 1. Run: {@code java PauseProbe.java --dir DIR
 * [--modes fsync,meta] [--seconds 30 | --until-eof]}. It forks nothing: a child that inherits an open
 * file on a FUSE mount flushes it when it closes its copy, which would tie the probe to the server.
 */
public final class PauseProbe {
    private static final int RECORD = 4096;
    private static final PrintStream OUT = System.out;
    private static volatile boolean stop;

    interface Op {
        void run(long i) throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        String modes = "fsync,meta";
        long seconds = 0;
        boolean untilEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--modes" -> modes = args[++i];
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--until-eof" -> untilEof = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (dir == null || (seconds == 0) == !untilEof)
            throw new IllegalArgumentException("usage: PauseProbe --dir DIR [--modes fsync,meta] (--seconds N | --until-eof)");
        Files.createDirectories(dir);
        if (untilEof) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (System.in.read() >= 0) { /* ignore input */ }
                } catch (IOException ignored) {
                    // a broken stdin means the same as a closed one
                }
                stop = true;
            });
        }
        long end = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
        List<Thread> threads = new ArrayList<>();
        for (String mode : modes.split(",")) {
            Op op = switch (mode) {
                case "fsync" -> fsyncWrites(dir);
                case "meta" -> namespaceOps(dir);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            };
            threads.add(Thread.ofPlatform().name(mode).start(() -> loop(mode, op, end)));
        }
        for (Thread t : threads) t.join();
    }

    private static void loop(String mode, Op op, long end) {
        long longest = 0, longestAt = 0, i = 0;
        for (; !stop && System.nanoTime() < end; i++) {
            long wall = System.currentTimeMillis(), t0 = System.nanoTime();
            try {
                op.run(i);
            } catch (Exception e) {
                print("error " + mode + " " + i + " " + String.valueOf(e).replace('\n', ' '));
                System.exit(1);
            }
            long took = System.nanoTime() - t0;
            if (took > longest) {
                longest = took;
                longestAt = wall;
            }
            if (took >= 50_000_000) print(String.format("slow %s %d %.1f", mode, wall, took / 1e6));
            if ((i + 1) % 20 == 0) print("progress " + mode + " " + (i + 1));
        }
        print(String.format("done %s ops=%d longest_ms=%.1f longest_at=%d", mode, i, longest / 1e6, longestAt));
    }

    private static synchronized void print(String line) {
        OUT.println(line);
        OUT.flush();
    }

    private static Op fsyncWrites(Path dir) throws IOException {
        FileChannel c = FileChannel.open(dir.resolve("records"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        return i -> {
            ByteBuffer b = record(i);
            while (b.hasRemaining()) c.write(b, i * RECORD + b.position());
            c.force(true);
        };
    }

    private static Op namespaceOps(Path dir) throws IOException {
        Path names = Files.createDirectories(dir.resolve("names"));
        return i -> {
            Path n = names.resolve("n" + i);
            Files.createFile(n);
            Files.readAttributes(n, "unix:ino");
            Files.move(n, names.resolve("r" + i));
            if (i % 8 == 0) Files.createDirectory(names.resolve("d" + i));
        };
    }

    /** Record {@code i}: its number repeated over 4 KiB, so a record that is torn or misplaced shows. */
    static ByteBuffer record(long i) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        while (b.hasRemaining()) b.putLong(i);
        return b.flip();
    }
}
