package io.tarn.cli;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code tarn ARGS} as a detached daemon (own session, output to a log) on this JVM's class path and flags. */
final class DaemonLauncher {
    private DaemonLauncher() {}

    static Process start(List<String> args, Path logFile) throws IOException {
        return start(List.of(), args, logFile);
    }

    /** The same, with JVM options placed before this JVM's own, so that options the user gave win. */
    static Process start(List<String> jvmOptions, List<String> args, Path logFile) throws IOException {
        Files.createDirectories(logFile.getParent());
        List<String> cmd = new ArrayList<>();
        // A new session, so that a terminal's hang-up or Ctrl-C does not reach the daemon.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // glibc gives each thread that mallocs its own arena, up to 8 per core, and the native libraries
        // (RocksDB, zstd) allocate from many threads: two arenas keep ~40 MiB less resident (ADR 0070).
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        return pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** The daemon's last {@code tarn: } line (its one-line error), or the last line of its log. */
    static String lastLine(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).strip();
                if (l.startsWith("tarn: ")) return l.substring(6);
            }
            return lines.isEmpty() ? "no output (log " + logFile + ")" : lines.getLast().strip() + " (log " + logFile + ")";
        } catch (IOException e) {
            return "see " + logFile;
        }
    }
}
