package io.tarn.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tarn proxy --listen 127.0.0.1:PORT ...} in a child JVM, as an operator runs it (ADR 0140). The first
 * start takes a free port; {@link #restart()} binds the same port and cache directory again. Each start
 * logs to its own file. {@link #close()} always leaves no proxy.
 */
final class ProxyProcess implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Pattern SERVING = Pattern.compile("tarn proxy: serving .* on [^ ]+:(\\d+) ");

    private final Path logDir;
    private final List<Path> logs = new ArrayList<>();
    private final List<String> args;
    private Process process;
    private int port;

    private ProxyProcess(List<String> args) throws IOException {
        this.args = args;
        this.logDir = Files.createTempDirectory("tarn-proxy-logs-");
    }

    /** Starts {@code tarn proxy} with these options (--store, --cache-dir, ...) on a free loopback port; returns once it serves. */
    static ProxyProcess start(String... options) throws IOException, InterruptedException {
        ProxyProcess p = new ProxyProcess(List.of(options));
        p.launch(0);
        return p;
    }

    /** {@code 127.0.0.1:PORT}. */
    String address() {
        return "127.0.0.1:" + port;
    }

    String logText() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path l : logs) b.append(Files.readString(l));
        return b.toString();
    }

    /** SIGKILL: nothing runs on the way out; what was staged stays on disk as a crash leaves it. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("tarn proxy did not exit after kill -9");
    }

    /** Starts the proxy again on the same port and options; the previous one must be gone. */
    void restart() throws IOException, InterruptedException {
        if (process.isAlive()) throw new IllegalStateException("the proxy is still running");
        launch(port);
    }

    private void launch(int wantedPort) throws IOException, InterruptedException {
        Path log = logDir.resolve("proxy-" + (logs.size() + 1) + ".log");
        logs.add(log);
        List<String> a = new ArrayList<>(List.of("proxy", "--listen", "127.0.0.1:" + wantedPort));
        a.addAll(args);
        process = new ProcessBuilder(Programs.tarnCommand(a.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return;
            }
            if (process.waitFor(10, TimeUnit.MILLISECONDS))
                throw new AssertionError("tarn proxy exited " + process.exitValue() + " before serving:\n" + Files.readString(log));
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("tarn proxy did not serve within " + READY + ":\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
