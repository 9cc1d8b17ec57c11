package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.cli.mount.MountRecord;
import io.tarn.fuse.ControlSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tarn upgrade}: replaces the daemon serving a mount with a new process started from the
 * current installation, without unmounting: open files and working directories in the mount carry
 * on (the live FUSE connection and the client's session and handles are handed over, ADR 0012).
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = "Hand a live mount over to a new daemon from the current installation, without unmounting.")
final class UpgradeCommand implements Callable<Integer> {
    private static final Duration READY = Duration.ofSeconds(120);

    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "MOUNTPOINT") Path mountpoint;

    @Override
    public Integer call() throws Exception {
        Path mp = mountpoint.toAbsolutePath().normalize();
        MountRecord old = MountRecord.read(mp)
                .orElseThrow(() -> FsException.of(Errno.ENOENT, "no Tarn mount daemon is recorded for %s", mp));
        if (ProcessHandle.of(old.pid()).filter(ProcessHandle::isAlive).isEmpty())
            throw FsException.of(Errno.ESRCH, "the daemon of %s (pid %d) is not running; remount instead", mp, old.pid());
        List<String> args = new ArrayList<>(old.args());
        args.add("--takeover");
        args.add("--foreground");
        Path log = ControlSocket.directory().resolve("upgrade-" + ProcessHandle.current().pid() + ".log");
        Process p = DaemonLauncher.start(jvmOptionsOf(old.pid()), args, log);
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<MountRecord> now = MountRecord.read(mp);
            boolean oldGone = ProcessHandle.of(old.pid()).filter(ProcessHandle::isAlive).isEmpty();
            if (now.isPresent() && now.get().pid() == p.pid() && oldGone) {
                spec.commandLine().getOut().printf("tarn: %s is now served by pid %d (was %d; log %s)%n", mp, p.pid(), old.pid(), log);
                return 0;
            }
            if (p.waitFor(50, TimeUnit.MILLISECONDS))
                throw FsException.of(Errno.EIO, "upgrade failed, the old daemon keeps serving: %s", DaemonLauncher.lastLine(log));
        }
        throw FsException.of(Errno.ETIMEDOUT, "upgrade did not complete in %s (log %s)", READY, log);
    }

    /** The predecessor's JVM options (memory bounds above all), so the successor runs within the same budget. */
    private static List<String> jvmOptionsOf(long pid) {
        try {
            String[] argv = new String(java.nio.file.Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\0");
            List<String> opts = new ArrayList<>();
            for (int i = 1; i < argv.length && !argv[i].equals("-cp") && !argv[i].equals("-classpath"); i++) {
                if (argv[i].startsWith("-X") || argv[i].startsWith("-D")) opts.add(argv[i]);
            }
            return opts;
        } catch (java.io.IOException e) {
            return List.of(); // the successor then starts with this command's own options
        }
    }
}
