package io.tarn.cli.mount;

import io.tarn.fuse.ControlSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code tarn upgrade} needs to start a successor for a live mount: the daemon's pid and the
 * arguments it was mounted with. Kept beside the mount's handoff control socket (same private
 * directory), one value per line: pid first, then the arguments.
 */
public record MountRecord(long pid, List<String> args) {
    static Path pathFor(Path mountpoint) {
        Path sock = ControlSocket.pathFor(mountpoint);
        return sock.resolveSibling(sock.getFileName().toString().replace(".sock", "") + ".mount");
    }

    static void write(Path mountpoint, List<String> args) throws IOException {
        Path file = pathFor(mountpoint);
        Files.createDirectories(file.getParent());
        List<String> lines = new ArrayList<>();
        lines.add(Long.toString(ProcessHandle.current().pid()));
        for (String a : args) {
            if (a.indexOf('\n') >= 0) throw new IOException("mount argument with a newline cannot be recorded: " + a);
            lines.add(a);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the record if it is still this process's (a successor may have written its own). */
    static void remove(Path mountpoint) {
        try {
            Path file = pathFor(mountpoint);
            if (read(mountpoint).filter(r -> r.pid() == ProcessHandle.current().pid()).isPresent()) Files.deleteIfExists(file);
        } catch (IOException e) {
            // Best effort: a stale record names a dead pid, which `tarn upgrade` reports as such.
        }
    }

    public static java.util.Optional<MountRecord> read(Path mountpoint) throws IOException {
        Path file = pathFor(mountpoint);
        if (!Files.exists(file)) return java.util.Optional.empty();
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) return java.util.Optional.empty();
        return java.util.Optional.of(new MountRecord(Long.parseLong(lines.getFirst().strip()), List.copyOf(lines.subList(1, lines.size()))));
    }
}
