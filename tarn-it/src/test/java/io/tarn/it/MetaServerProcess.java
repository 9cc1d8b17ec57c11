package io.tarn.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tarn meta --data DIR --listen 127.0.0.1:PORT} in a child JVM, as an operator runs it. The first
 * start takes any free port; {@link #restart()} binds the same port and data folder again, so mounted
 * clients can ride through. Each start logs to its own file. {@link #close()} always leaves no server.
 *
 * <p>Start it from a JVM that holds no file open on a Tarn mount while the server is down: a spawned
 * child inherits those descriptors and closing its copies sends FUSE FLUSH, which commits through the
 * (absent) server, so the spawn itself would wait out the client's ride-through.
 */
final class MetaServerProcess implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Pattern SERVING = Pattern.compile("tarn meta: serving .* on [^ ]+:(\\d+)");

    final Path data;
    private final Path logDir;
    private final List<Path> logs = new ArrayList<>();
    private final List<String> extraArgs = new ArrayList<>();
    private final Map<String, String> env;
    private Process process;
    private int port;

    private MetaServerProcess(Path data, Path logDir, Map<String, String> env) {
        this.data = data;
        this.logDir = logDir;
        this.env = env;
    }

    /** Starts a server on a free loopback port with its store in {@code data} (and more {@code tarn meta} options); returns once it serves. */
    static MetaServerProcess start(Path data, String... extraArgs) throws IOException, InterruptedException {
        return start(data, Map.of(), extraArgs);
    }

    /** The same, with variables added to the server's environment (e.g. TARN_GC_PERIOD=0), every start. */
    static MetaServerProcess start(Path data, Map<String, String> env, String... extraArgs) throws IOException, InterruptedException {
        MetaServerProcess s = new MetaServerProcess(data, Files.createTempDirectory("tarn-meta-logs-"), env);
        s.extraArgs.addAll(List.of(extraArgs));
        s.launch(0);
        return s;
    }

    /** {@code 127.0.0.1:PORT}, for {@code --meta}. */
    String address() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Every start's log, oldest first. */
    String logText() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path l : logs) b.append(Files.readString(l));
        return b.toString();
    }

    /** Waits until the current server's log has {@code text}; fails if the server ends or after {@code timeout}. */
    void awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.readString(logs.getLast()).contains(text)) {
            if (process.waitFor(10, TimeUnit.MILLISECONDS) || System.nanoTime() > deadline)
                throw new AssertionError("tarn meta never logged '" + text + "':\n" + logText());
        }
    }

    /** SIGKILL: no shutdown hook runs, the store is left as a crash leaves it. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        awaitExit("kill -9");
    }

    /** SIGTERM: the server drains running calls and closes its store. */
    void terminate() throws InterruptedException {
        process.destroy();
        awaitExit("SIGTERM");
    }

    /** Starts the server again on the same port and data folder; the previous one must be gone. */
    void restart() throws IOException, InterruptedException {
        if (process.isAlive()) throw new IllegalStateException("the server is still running");
        launch(port);
    }

    private void awaitExit(String how) throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("tarn meta did not exit after " + how);
    }

    private void launch(int wantedPort) throws IOException, InterruptedException {
        Path log = logDir.resolve("meta-" + (logs.size() + 1) + ".log");
        logs.add(log);
        List<String> args = new ArrayList<>(List.of("meta", "--data", data.toString(), "--listen", "127.0.0.1:" + wantedPort));
        args.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(Programs.tarnCommand(args.toArray(String[]::new)));
        pb.environment().putAll(env);
        process = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return;
            }
            if (process.waitFor(10, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("tarn meta exited " + process.exitValue() + " before serving:\n" + Files.readString(log));
            }
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("tarn meta did not serve within " + READY + ":\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
