package io.tarn.it;

import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Tarn volume mounted by {@code tarn mount --foreground} in a child JVM, as a user would run it.
 * {@link #close()} always leaves the mountpoint unmounted and the daemon gone: a clean unmount first,
 * then an abort of the FUSE connection and a kill if the daemon does not end in time.
 */
final class MountedVolume implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);

    final Path mountpoint;
    final Path log;
    private final Process process;

    private MountedVolume(Path mountpoint, Path log, Process process) {
        this.mountpoint = mountpoint;
        this.log = log;
        this.process = process;
    }

    /** Mounts {@code volume} at {@code mountpoint} with the metadata options given (e.g. "--data", dir). */
    static MountedVolume mount(String volume, Path mountpoint, String... metaArgs) throws IOException, InterruptedException {
        return mount(Map.of(), volume, mountpoint, metaArgs);
    }

    /** The same, with variables added to the daemon's environment (e.g. TARN_GC_PERIOD=0). */
    static MountedVolume mount(Map<String, String> env, String volume, Path mountpoint, String... metaArgs)
            throws IOException, InterruptedException {
        Files.createDirectories(mountpoint);
        Path log = Files.createTempFile("tarn-mount-", ".log");
        List<String> args = new ArrayList<>(List.of("mount", "--foreground"));
        args.addAll(List.of(metaArgs));
        args.add(volume);
        args.add(mountpoint.toString());
        ProcessBuilder pb = new ProcessBuilder(Programs.tarnCommand(args.toArray(String[]::new)));
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        MountedVolume mv = new MountedVolume(mountpoint, log, p);
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            if (MountTable.find(mountpoint).filter(MountTable.MountInfo::isFuse).isPresent()) return mv;
            if (p.waitFor(20, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("tarn mount exited " + p.exitValue() + ":\n" + Files.readString(log));
            }
        }
        mv.close();
        throw new AssertionError("mount did not come up within " + READY + ":\n" + Files.readString(log));
    }

    long pid() {
        return process.pid();
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    /** kill -9 of the daemon; the dead mount is then aborted and detached. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        Mounter.forceUnmount(mountpoint);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (MountTable.find(mountpoint).isPresent() && !Mounter.unmount(mountpoint, false)) {
                Mounter.unmount(mountpoint, true);
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                Mounter.forceUnmount(mountpoint);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("tarn daemon did not exit after unmount");
            }
        } finally {
            if (MountTable.find(mountpoint).isPresent()) Mounter.forceUnmount(mountpoint);
            if (process.isAlive()) process.destroyForcibly();
        }
    }
}
