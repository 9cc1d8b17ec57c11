package io.tarn.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/meta/PauseProbe.java} run as an application in its own process, working in a directory
 * on a mount until its stdin is closed. Its own process, not a thread of the test: the test JVM starts
 * the metadata server again while the probe has files open, and must not hold any (see
 * {@link MetaServerProcess}). This class follows the probe's output: progress, slow operations, errors.
 */
final class PauseProbeProcess implements AutoCloseable {
    /** An operation of {@code millis} that started at {@code startEpochMillis}. */
    record Slow(String mode, long startEpochMillis, double millis) {}

    /** The summary line of one mode. */
    record Done(String mode, long ops, double longestMillis) {}

    private final Process process;
    private final Thread reader;
    private final Map<String, Long> progress = new HashMap<>();
    private final List<Slow> slow = new ArrayList<>();
    private final List<Done> done = new ArrayList<>();
    private final StringBuilder errors = new StringBuilder(), other = new StringBuilder();

    private PauseProbeProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("probe-output").start(this::follow);
    }

    static PauseProbeProcess start(Path dir, String modes) throws IOException {
        List<String> cmd = List.of(Programs.java(), source().toString(), "--dir", dir.toString(), "--modes", modes, "--until-eof");
        return new PauseProbeProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The probe's source in the repository: bench/meta/PauseProbe.java above the module's folder. */
    static Path source() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("bench/meta/PauseProbe.java");
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("bench/meta/PauseProbe.java not found above " + Path.of("").toAbsolutePath());
    }

    private void follow() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(" ");
                synchronized (this) {
                    switch (f[0]) {
                        case "progress" -> progress.put(f[1], Long.parseLong(f[2]));
                        case "slow" -> slow.add(new Slow(f[1], Long.parseLong(f[2]), Double.parseDouble(f[3])));
                        case "done" -> done.add(new Done(f[1], Long.parseLong(f[2].substring(4)), Double.parseDouble(f[3].substring(11))));
                        case "error" -> errors.append(line).append('\n');
                        default -> other.append(line).append('\n');
                    }
                    notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                other.append("<reading the probe's output failed: ").append(e).append(">\n");
            }
        }
    }

    synchronized long progress(String mode) {
        return progress.getOrDefault(mode, 0L);
    }

    /** Waits until {@code mode} has reported {@code n} operations; fails at once if the probe ended (an error). */
    synchronized void awaitProgress(String mode, long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (progress(mode) < n) {
            if (!process.isAlive() || !errors.isEmpty()) throw new AssertionError("the probe failed:\n" + errors + other);
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new AssertionError("probe " + mode + " did only " + progress(mode) + " of " + n
                    + " operations within " + timeout + "\n" + errors + other);
            wait(Math.max(1, Math.min(100, left / 1_000_000)));
        }
    }

    /** The longest operation of {@code mode} that overlapped {@code [fromEpochMillis, toEpochMillis]}; 0 if none was slow. */
    synchronized double longestWithin(String mode, long fromEpochMillis, long toEpochMillis) {
        double m = 0;
        for (Slow s : slow) {
            if (s.mode().equals(mode) && s.startEpochMillis() <= toEpochMillis && s.startEpochMillis() + s.millis() >= fromEpochMillis)
                m = Math.max(m, s.millis());
        }
        return m;
    }

    /** Closes the probe's stdin, waits for it to finish and returns its summaries; fails if it saw an error. */
    List<Done> stop(Duration timeout) throws InterruptedException, IOException {
        process.getOutputStream().close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("the probe did not stop");
        reader.join(timeout);
        synchronized (this) {
            if (process.exitValue() != 0 || !errors.isEmpty())
                throw new AssertionError("the probe saw an error (exit " + process.exitValue() + "):\n" + errors + other);
            return List.copyOf(done);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
