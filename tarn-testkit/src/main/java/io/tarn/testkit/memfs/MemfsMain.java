package io.tarn.testkit.memfs;

import io.tarn.fuse.ControlSocket;
import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseSession;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Opened;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Serves a {@link MemoryFilesystem} at a mountpoint in the foreground until it is unmounted (or
 * handed off). Prints {@code READY <pid>} once serving. Used by tests, the fio bench and as the
 * successor process of a handoff.
 *
 * <pre>
 * MemfsMain MOUNTPOINT [--workers N] [--handoff] [--takeover] [--fusermount] [--direct-io]
 *                      [--no-keep-cache] [--readdirplus] [--writeback] [--timeout SECONDS]
 *                      [--allow-other] [--no-clone] [--stats] [--poll]
 *                      [--no-default-permissions [--no-checks]] [--spin MICROS]
 * </pre>
 * {@code --no-default-permissions} mounts without the kernel's permission checks; memfs then makes them
 * itself, unless {@code --no-checks} also drops those (anyone may do anything: only to measure what the
 * checks cost).
 * {@code --handoff} listens on the mount's control socket for a successor; {@code --takeover}
 * becomes that successor (and listens in turn). {@code --poll} makes the workers wait in poll(2)
 * beside a stop eventfd (see FuseConfig.handoffReady); {@code --spin} makes them keep reading for
 * that long before they do (FuseConfig.spinMicros).
 */
public final class MemfsMain {
    private MemfsMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MemfsMain MOUNTPOINT [--workers N] [--handoff] [--takeover] [--fusermount] [--direct-io] [--no-keep-cache] [--readdirplus] [--writeback] [--timeout S] [--allow-other] [--no-clone] [--stats] [--poll] [--no-default-permissions [--no-checks]] [--spin MICROS]");
            System.exit(2);
        }
        Path mnt = Path.of(args[0]).toAbsolutePath().normalize();
        FuseConfig.Builder cfg = FuseConfig.builder().handleKillprivV2(true);
        MountOptions opts = MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs");
        boolean handoff = false, takeover = false, stats = false, kernelChecks = true, ownChecks = true;
        int openFlags = Opened.KEEP_CACHE | Opened.NOFLUSH; // memfs has nothing to do on close
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> cfg.workers(Integer.parseInt(args[++i]));
                case "--handoff" -> handoff = true;
                case "--takeover" -> takeover = handoff = true;
                case "--fusermount" -> opts = opts.withFusermount(true);
                case "--direct-io" -> openFlags = Opened.DIRECT_IO;
                case "--no-keep-cache" -> openFlags &= ~Opened.KEEP_CACHE;
                case "--readdirplus" -> cfg.readdirplus(true, true);
                case "--writeback" -> cfg.writebackCache(true);
                case "--timeout" -> {
                    Duration d = Duration.ofMillis((long) (Double.parseDouble(args[++i]) * 1000));
                    cfg.entryTimeout(d).attrTimeout(d);
                }
                case "--allow-other" -> opts = opts.withAllowOther(true);
                case "--no-clone" -> cfg.cloneQueues(false);
                case "--stats" -> stats = true;
                case "--poll" -> cfg.handoffReady(true);
                case "--spin" -> cfg.spinMicros(Integer.parseInt(args[++i]));
                case "--no-default-permissions" -> kernelChecks = false;
                case "--no-checks" -> ownChecks = false;
                default -> {
                    System.err.println("memfs: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (!kernelChecks) opts = opts.withDefaultPermissions(false);
        MemoryFilesystem fs = new MemoryFilesystem(openFlags, !kernelChecks && ownChecks);
        FuseSession session;
        try {
            if (takeover) {
                session = FuseSession.takeOver(ControlSocket.pathFor(mnt), fs, cfg.build());
            } else {
                session = FuseSession.mount(opts, fs, cfg.build()).start();
            }
            if (handoff) session.listenForHandoff(ControlSocket.pathFor(mnt));
        } catch (IOException e) {
            System.err.println("memfs: " + e.getMessage());
            System.exit(1);
            return;
        }
        fs.notifyThrough(session.notifier());
        FuseSession s = session;
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        if (!takeover && !session.awaitInit(Duration.ofSeconds(20))) {
            System.err.println("memfs: the kernel did not send INIT");
        }
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        if (stats) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("memfs: requests " + s.requestCounts()
                    + ", largest write " + fs.maxWrite.get() + ", largest read " + fs.maxRead.get())));
        }
        FuseSession.Outcome how = session.join();
        System.err.println("memfs: " + how.name().toLowerCase().replace('_', ' '));
    }
}
