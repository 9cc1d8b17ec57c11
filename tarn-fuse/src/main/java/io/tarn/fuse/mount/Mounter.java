package io.tarn.fuse.mount;

import io.tarn.fuse.MountOptions;
import io.tarn.fuse.sys.Libc;
import io.tarn.fuse.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Mounting and unmounting FUSE filesystems: mount(2) when we hold CAP_SYS_ADMIN (root), otherwise
 * fusermount3 the way libfuse does it (it mounts and sends the /dev/fuse fd back over the socket
 * named by _FUSE_COMMFD). Failures are IOExceptions with a one-line message.
 */
public final class Mounter {
    private static final System.Logger LOG = System.getLogger(Mounter.class.getName());
    private static final Path DEV_FUSE = Path.of("/dev/fuse");
    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    /** A mounted, not yet initialised FUSE connection: our fd and the kernel's connection number. */
    public record Mounted(int fd, int connection) {}

    private Mounter() {}

    public static boolean isRoot() {
        return Libc.geteuid() == 0;
    }

    public static Mounted mount(MountOptions o) throws IOException {
        return mount(o, DEV_FUSE);
    }

    /** As {@link #mount(MountOptions)} with another device path (tests use a missing one). */
    static Mounted mount(MountOptions o, Path device) throws IOException {
        Path mnt = o.mountpoint();
        if (!Files.isDirectory(mnt)) throw new IOException("cannot mount at " + mnt + ": no such directory");
        if (!Files.exists(device)) throw new IOException("cannot mount at " + mnt + ": /dev/fuse is missing (load the fuse module, or run the container with --device /dev/fuse)");
        int fd = isRoot() && !o.viaFusermount() ? mountDirect(o, device) : mountWithFusermount(o);
        int conn = MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).map(MountTable.MountInfo::minor).orElse(-1);
        return new Mounted(fd, conn);
    }

    private static List<String> commonOptions(MountOptions o) {
        List<String> opts = new ArrayList<>();
        if (o.allowOther()) opts.add("allow_other");
        if (o.defaultPermissions()) opts.add("default_permissions");
        opts.addAll(o.extra());
        return opts;
    }

    private static int mountDirect(MountOptions o, Path device) throws IOException {
        int fd = Libc.open(device.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0) throw new IOException("cannot open /dev/fuse: " + Libc.describe(-fd));
        List<String> opts = new ArrayList<>(List.of("fd=" + fd, "rootmode=40000",
                "user_id=" + Libc.getuid(), "group_id=" + Libc.getgid()));
        opts.addAll(commonOptions(o));
        long flags = Libc.MS_NOSUID | Libc.MS_NODEV | (o.readOnly() ? Libc.MS_RDONLY : 0);
        String type = o.subtype() == null || o.subtype().isEmpty() ? "fuse" : "fuse." + o.subtype();
        int r = Libc.mount(o.fsname(), o.mountpoint().toString(), type, flags, String.join(",", opts));
        if (r < 0) {
            Libc.close(fd);
            throw new IOException("cannot mount at " + o.mountpoint() + ": mount(2) failed with " + Libc.describe(-r));
        }
        return fd;
    }

    private static int mountWithFusermount(MountOptions o) throws IOException {
        List<String> opts = new ArrayList<>(List.of(o.readOnly() ? "ro" : "rw", "nosuid", "nodev",
                "fsname=" + o.fsname()));
        if (o.subtype() != null && !o.subtype().isEmpty()) opts.add("subtype=" + o.subtype());
        opts.addAll(commonOptions(o));
        int[] pair = Libc.socketpair(Libc.SOCK_STREAM);
        int ours = pair[0], theirs = pair[1];
        try (UnixSocket sock = UnixSocket.ofFd(ours)) {
            Libc.setCloseOnExec(ours, true);
            List<String> env = new ArrayList<>();
            env.add("_FUSE_COMMFD=" + theirs);
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                if (e.getKey().equals("PATH") || e.getKey().equals("LANG")) env.add(e.getKey() + "=" + e.getValue());
            }
            int pid = Libc.spawn(new String[] {"fusermount3", "-o", String.join(",", opts), "--",
                    o.mountpoint().toString()}, env.toArray(String[]::new));
            Libc.close(theirs);
            theirs = -1;
            if (pid < 0) throw new IOException("cannot mount at " + o.mountpoint() + ": cannot run fusermount3: " + Libc.describe(-pid));
            int fd = -1;
            try {
                fd = sock.receive(1).fd();
            } catch (IOException e) {
                // fusermount3 exited without sending: its status and stderr say why.
            }
            int status = Libc.waitpid(pid);
            int exit = status >= 0 && (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1;
            if (fd < 0) throw new IOException("cannot mount at " + o.mountpoint() + ": fusermount3 failed (exit " + exit + ")");
            return fd;
        } finally {
            if (theirs >= 0) Libc.close(theirs);
        }
    }

    /** Unmounts; {@code lazy} detaches even while busy. Returns false if still mounted (e.g. EBUSY). */
    public static boolean unmount(Path mountpoint, boolean lazy) {
        Path mnt = mountpoint.toAbsolutePath().normalize();
        if (MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isEmpty()) return true;
        if (isRoot()) {
            int r = Libc.umount2(mnt.toString(), lazy ? Libc.MNT_DETACH : 0);
            if (r < 0) LOG.log(System.Logger.Level.DEBUG, "umount2 {0}: {1}", mnt, Libc.describe(-r));
            return r == 0;
        }
        return run(lazy ? List.of("fusermount3", "-u", "-z", mnt.toString()) : List.of("fusermount3", "-u", mnt.toString()));
    }

    /**
     * Ends a FUSE mount whatever state its daemon is in: aborts the connection (every waiting and
     * future request fails with ENOTCONN, a hung daemon no longer matters), then detaches the mount.
     * Returns true if there was a FUSE mount at {@code mountpoint}.
     */
    public static boolean forceUnmount(Path mountpoint) {
        Path mnt = mountpoint.toAbsolutePath().normalize();
        var info = MountTable.find(mnt).filter(MountTable.MountInfo::isFuse);
        if (info.isEmpty()) return false;
        abortConnection(info.get().minor());
        unmount(mnt, true);
        return true;
    }

    /** Writes to /sys/fs/fuse/connections/N/abort (mounting fusectl first if we may). */
    public static boolean abortConnection(int connection) {
        if (connection < 0) return false;
        Path abort = CONNECTIONS.resolve(Integer.toString(connection)).resolve("abort");
        if (!Files.exists(abort) && isRoot() && Files.isDirectory(CONNECTIONS)) {
            int r = Libc.mount("fusectl", CONNECTIONS.toString(), "fusectl", 0, "");
            if (r < 0 && r != -Libc.EBUSY) LOG.log(System.Logger.Level.DEBUG, "mounting fusectl: {0}", Libc.describe(-r));
        }
        try {
            Files.writeString(abort, "1");
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot abort FUSE connection {0}: {1}", connection, e.toString());
            return false;
        }
    }

    private static boolean run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            if (p.exitValue() != 0) LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", cmd, new String(out).trim());
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
