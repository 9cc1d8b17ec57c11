package io.tarn.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs ordinary programs (and Tarn's own CLI in a child JVM) with a deadline; a hung program fails the test. */
final class Programs {
    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) throw new AssertionError("exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            return this;
        }
    }

    private Programs() {}

    static Result run(Duration timeout, Path cwd, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd == null ? null : cwd.toFile()).start();
        p.getOutputStream().close();
        // Own threads: the common pool may be busy with a test's long-running tasks (1 worker on 2 cores).
        CompletableFuture<String> out = drainAsync(p.getInputStream());
        CompletableFuture<String> err = drainAsync(p.getErrorStream());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /** Runs a bash script ({@code set -euo pipefail} on) in {@code cwd}. */
    static Result bash(Duration timeout, Path cwd, String script) throws IOException, InterruptedException {
        return run(timeout, cwd, List.of("bash", "-c", "set -euo pipefail\n" + script));
    }

    /** Runs {@code tarn ARGS} in a child JVM on the test class path. */
    static Result tarn(Duration timeout, String... args) throws IOException, InterruptedException {
        return run(timeout, null, tarnCommand(args));
    }

    static List<String> tarnCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", classpath(), "io.tarn.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static CompletableFuture<String> drainAsync(java.io.InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> f.complete(drain(in)));
        return f;
    }

    static String drain(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
