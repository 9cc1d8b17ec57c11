package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.cli.mount.MountDaemon;
import io.tarn.cli.mount.MountTakeover;
import io.tarn.client.ClientConfig;
import io.tarn.fuse.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tarn mount}: mounts a volume. By default it starts the daemon in the background and returns
 * once the mount is ready (or prints why it failed); {@code --foreground} serves in this process.
 */
@Command(name = "mount", mixinStandardHelpOptions = true, description = "Mount a volume through FUSE.")
final class MountCommand implements Callable<Integer> {
    @Mixin MetaOptions meta;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "VOLUME") String volume;
    @Parameters(index = "1", paramLabel = "MOUNTPOINT") Path mountpoint;
    @Option(names = "--foreground", description = "Serve in this process until unmounted.") boolean foreground;
    @Option(names = "--store", paramLabel = "URI",
            description = "With --data: object store for a volume created on first mount (default: DIR/objects).")
    String store;
    @Option(names = {"-o", "--options"}, split = ",", paramLabel = "OPT",
            description = "Mount options: allow_other, ro, default_permissions, relatime (default), noatime, strictatime, "
                    + "key-file=FILE or passphrase-file=FILE (encrypted volumes), token-file=FILE and tls-ca=FILE (with --meta), "
                    + "proxy=HOST:PORT[+HOST:PORT] or proxy=none (instead of the volume's proxy group; the same CA and token), "
                    + "and client tunables such as "
                    + "write-buffer=128M, cache-size=384M, upload-concurrency=12.")
    List<String> options = new ArrayList<>();
    @Option(names = "--log", paramLabel = "FILE", description = "Daemon log (default: DIR/logs/mount-VOLUME.log or ~/.tarn/logs).")
    Path log;
    @Option(names = "--ready-timeout", defaultValue = "120s", hidden = true) String readyTimeout;
    @Option(names = "--at", paramLabel = "INSTANT",
            description = "Mount a read-only view of the volume as it was at INSTANT: RFC 3339 (2026-11-25T09:41:00Z) or relative (-2h).")
    String at;
    /** Used by `tarn upgrade`: take the live session of the daemon serving MOUNTPOINT over. */
    @Option(names = "--takeover", hidden = true) boolean takeover;

    @Override
    public Integer call() throws Exception {
        Path mp = mountpoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp))
            throw FsException.of(Errno.ENOENT, "mountpoint %s is not an existing directory", mp);
        if (!takeover && MountTable.find(mp).isPresent())
            throw FsException.of(Errno.EBUSY, "mountpoint %s is in use (already mounted)", mp);
        MountDaemon.Settings settings = settings(mp);
        if (takeover && foreground) {
            MetaConnection mc = meta.connect();
            MountTakeover.run(mc, settings, meta.embedded() ? meta.dataDir() : null, how ->
                    System.err.printf("tarn: volume %s mounted at %s (%s)%n", volume, mp, how));
            return 0;
        }
        if (foreground) {
            MountDaemon.Meta connection = at == null ? meta.connect()
                    : new ViewConnection(meta.connect(), PastInstant.parse(at, java.time.Clock.systemUTC()));
            MountDaemon.run(connection, settings, ready ->
                    System.err.printf("tarn: volume %s mounted at %s (%s)%n", volume, mp, ready));
            return 0;
        }
        return background(mp);
    }

    private MountDaemon.Settings settings(Path mp) {
        Map<String, String> tunables = new LinkedHashMap<>();
        boolean allowOther = false, readOnly = false, defaultPermissions = false;
        Path keyFile = null, passphraseFile = null;
        String proxy = null;
        for (String o : options) {
            switch (o) {
                case "allow_other" -> allowOther = true;
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                case "default_permissions" -> defaultPermissions = true;
                case "writeback" -> tunables.put("writeback", "on");
                case "noatime", "relatime", "strictatime" -> tunables.put("atime", o);
                case "atime" -> tunables.put("atime", "relatime");
                default -> {
                    if (o.startsWith("key-file=")) {
                        keyFile = Path.of(o.substring("key-file=".length()));
                        continue;
                    }
                    if (o.startsWith("proxy=")) {
                        // '+' between members: ',' already separates mount options.
                        String p = o.substring("proxy=".length());
                        proxy = p.equals("none") ? "" : io.tarn.api.VolumeSpec.checkProxy(p.replace('+', ','));
                        if (proxy.isEmpty() && !p.equals("none"))
                            throw FsException.of(Errno.EINVAL, "mount option proxy= wants HOST:PORT[+HOST:PORT] or none");
                        continue;
                    }
                    if (o.startsWith("passphrase-file=")) {
                        passphraseFile = Path.of(o.substring("passphrase-file=".length()));
                        continue;
                    }
                    int eq = o.indexOf('=');
                    if (eq <= 0) throw FsException.of(Errno.EINVAL, "unknown mount option: %s", o);
                    if (!transport(o.substring(0, eq), o.substring(eq + 1))) tunables.put(o.substring(0, eq), o.substring(eq + 1));
                }
            }
        }
        ClientConfig client = ClientConfig.parse(tunables);
        io.tarn.client.crypt.KeySource keys = VolumeKeyFiles.source(keyFile, passphraseFile, "-o key-file", "-o passphrase-file");
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        args.removeAll(List.of("--foreground", "--takeover"));
        return new MountDaemon.Settings(volume, mp, store, client, allowOther, readOnly || at != null, defaultPermissions,
                List.copyOf(absoluteKeyPaths(args, keys)), keys, proxy, meta.rpcOptions());
    }

    /**
     * The arguments with key and passphrase file paths made absolute, so the daemon (and a successor of
     * {@code tarn upgrade}, started elsewhere) reads the same files. Only the paths: the secrets stay in them.
     */
    private static List<String> absoluteKeyPaths(List<String> args, io.tarn.client.crypt.KeySource keys) {
        List<String> out = new ArrayList<>(args.size());
        for (String a : args) {
            StringBuilder b = new StringBuilder();
            for (String o : a.split(",", -1)) {
                if (!b.isEmpty()) b.append(',');
                if (o.startsWith("key-file=") && keys instanceof io.tarn.client.crypt.KeySource.KeyFile k) b.append("key-file=").append(k.path());
                else if (o.startsWith("passphrase-file=") && keys instanceof io.tarn.client.crypt.KeySource.PassphraseFile p)
                    b.append("passphrase-file=").append(p.path());
                else b.append(absoluteTransportPath(o));
            }
            out.add(b.toString());
        }
        return out;
    }

    /** A token-file= or tls-*= mount option with its path made absolute, for the same reason; others unchanged. */
    private static String absoluteTransportPath(String o) {
        for (String key : List.of("token-file=", "tls-ca=", "tls-cert=", "tls-key="))
            if (o.startsWith(key)) return key + Path.of(o.substring(key.length())).toAbsolutePath();
        return o;
    }

    /** Mount options that say how to reach the metadata server (ADR 0100); an explicit --option wins. */
    private boolean transport(String key, String value) {
        Path p = Path.of(value).toAbsolutePath();
        switch (key) {
            case "token-file" -> meta.tokenFile = meta.tokenFile != null ? meta.tokenFile : p;
            case "tls-ca" -> meta.tlsCa = meta.tlsCa != null ? meta.tlsCa : p;
            case "tls-cert" -> meta.tlsCert = meta.tlsCert != null ? meta.tlsCert : p;
            case "tls-key" -> meta.tlsKey = meta.tlsKey != null ? meta.tlsKey : p;
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Starts this same command with --foreground as a detached process and waits until the mount is up. */
    private int background(Path mp) throws IOException, InterruptedException {
        Path logFile = log != null ? log.toAbsolutePath() : defaultLog();
        MountDaemon.Settings settings = settings(mp);
        List<String> args = new ArrayList<>(absoluteKeyPaths(spec.commandLine().getParseResult().originalArgs(), settings.keys()));
        args.add("--foreground");
        if (at != null) { // the daemon must open the very instant this command was given, not "-2h" from later
            for (int i = args.indexOf("--at"); i >= 0; i = args.indexOf("--at")) args.subList(i, Math.min(i + 2, args.size())).clear();
            args.removeIf(x -> x.startsWith("--at="));
            args.add("--at=" + java.time.Instant.ofEpochSecond(0, PastInstant.parse(at, java.time.Clock.systemUTC())));
        }
        // The daemon's heap and direct memory are sized from its client options (ADR 0070).
        Process p = DaemonLauncher.start(io.tarn.cli.mount.DaemonMemory.jvmOptions(settings.client(),
                io.tarn.api.VolumeSpec.DEFAULT_BLOCK_SIZE), args, logFile);
        long deadline = System.nanoTime() + Duration.ofSeconds(Sizes.seconds(readyTimeout)).toNanos();
        while (System.nanoTime() < deadline) {
            if (MountTable.find(mp).filter(m -> m.fstype().startsWith("fuse")).isPresent() && p.isAlive()) {
                ready(mp, logFile, p.pid());
                return 0;
            }
            if (p.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // The daemon exits with its error's errno (Main.exitCode): keep it, so a refused key stays EACCES.
                Errno why = p.exitValue() > 1 && p.exitValue() < 125 ? Errno.of(p.exitValue()) : Errno.EIO;
                String line = DaemonLauncher.lastLine(logFile);
                if (line.startsWith(why.name() + ": ")) line = line.substring(why.name().length() + 2);
                throw FsException.of(why, "mount failed: %s", line);
            }
        }
        p.destroy();
        throw FsException.of(Errno.ETIMEDOUT, "mount did not come up in %s (log: %s)", readyTimeout, logFile);
    }

    private void ready(Path mp, Path logFile, long pid) {
        var out = spec.commandLine().getOut();
        out.printf("tarn: volume %s is mounted at %s (daemon pid %d, log %s)%n", volume, mp, pid, logFile);
        out.printf("next steps:%n");
        out.printf("  cp -r /usr/share/doc %s/ && ls %s/doc | head     use it like a local disk%n", mp, mp);
        out.printf("  df -h %s                                          usage%n", mp);
        out.printf("  bin/tarn volume info %s%s                 what the volume is%n", volume, metaArgs());
        out.printf("  bin/tarn umount %s                                unmount%n", mp);
    }

    private String metaArgs() {
        if (meta.meta != null) return " --meta " + meta.meta;
        return meta.data != null ? " --data " + meta.dataDir() : "";
    }

    private Path defaultLog() {
        Path base = meta.embedded() ? meta.dataDir() : Path.of(System.getProperty("user.home"), ".tarn");
        return base.resolve("logs").resolve("mount-" + volume + ".log");
    }
}
