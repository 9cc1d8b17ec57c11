package io.tarn.testkit.memfs;

import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An ordinary user mounts: the daemon runs as uid 65534 (nobody), with no capability, so mount(2) is out of
 * reach and the transport must go through the setuid fusermount3 as libfuse does. The user reads and writes
 * its mount, root (without allow_other) is kept out, and the user unmounts with {@code fusermount3 -u}.
 * Needs root to switch to that user (setpriv); /dev/fuse is opened to others for the test's duration when
 * this machine keeps it 0600, as Debian's own udev rule would have it (0666).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnprivilegedMountTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NOBODY = "65534";

    private static List<String> asNobody(String... cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        c.addAll(List.of(cmd));
        return c;
    }

    private static Programs.Result run(List<String> cmd) throws Exception {
        return Programs.run(WAIT, Path.of("/"), cmd.toArray(String[]::new));
    }

    /** The test class path, copied where uid 65534 may read it (the Maven repository under /root is not). */
    private static String readableClasspath(Path into) throws IOException {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : Programs.classpath().split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) continue;
            Path dst = into.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                try (Stream<Path> s = Files.walk(src)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) Files.createDirectories(t);
                        else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else {
                Files.copy(src, dst);
            }
            out.add(dst.toString());
        }
        try (Stream<Path> s = Files.walk(into)) {
            for (Path p : (Iterable<Path>) s::iterator)
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        return String.join(File.pathSeparator, out);
    }

    @Test
    void anOrdinaryUserMountsThroughFusermount3AndUnmounts() throws Exception {
        assumeTrue("0".equals(run(List.of("id", "-u")).out().trim()), "needs root to switch users");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "fusermount3 not installed");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv not installed");

        Path root = Files.createTempDirectory(Path.of("/tmp"), "tarn-unpriv-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cp = Files.createDirectory(root.resolve("cp"));
        String classpath = readableClasspath(cp);
        Path mnt = Files.createDirectory(root.resolve("mnt"));
        run(List.of("chown", NOBODY + ":" + NOBODY, mnt.toString())).ok();
        Path log = root.resolve("daemon.log");

        String devMode = run(List.of("stat", "-c", "%a", "/dev/fuse")).ok().out().trim();
        Process daemon = null;
        try {
            if (!devMode.endsWith("66")) run(List.of("chmod", "0666", "/dev/fuse")).ok();
            daemon = new ProcessBuilder(asNobody(Programs.java(), "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                    "-cp", classpath, MemfsMain.class.getName(), mnt.toString()))
                    .redirectError(log.toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream()));
            String ready = out.readLine(); // the daemon prints READY once serving, or exits
            assertNotNull(ready, "the daemon exited: " + Files.readString(log));
            assertTrue(ready.startsWith("READY"), ready);

            var info = MountTable.find(mnt).orElseThrow(() -> new AssertionError("not mounted"));
            assertEquals("fuse.memfs", info.fstype());
            String line = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .filter(l -> l.split(" ")[1].equals(mnt.toString())).findFirst().orElseThrow();
            assertTrue(line.contains("user_id=" + NOBODY), "mounted for the user: " + line);

            run(asNobody("sh", "-c", "echo 'by nobody' > " + mnt + "/f && mkdir " + mnt + "/d && mv " + mnt + "/f " + mnt + "/d/g")).ok();
            assertEquals("by nobody\n", run(asNobody("cat", mnt + "/d/g")).ok().out());
            assertEquals(NOBODY, run(asNobody("stat", "-c", "%u", mnt + "/d/g")).ok().out().trim());
            Programs.Result rootLooks = run(List.of("ls", mnt.toString()));
            assertNotEquals(0, rootLooks.exit(), "without allow_other even root is kept out");
            assertTrue(rootLooks.err().contains("Permission denied"), rootLooks.err());

            run(asNobody("fusermount3", "-u", mnt.toString())).ok();
            assertTrue(daemon.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the daemon did not exit after fusermount3 -u");
            assertEquals(0, daemon.exitValue(), Files.readString(log));
            assertTrue(MountTable.find(mnt).isEmpty(), "still mounted after fusermount3 -u");
        } finally {
            if (MountTable.find(mnt).isPresent()) Mounter.forceUnmount(mnt);
            if (daemon != null && daemon.isAlive()) daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (!devMode.endsWith("66")) run(List.of("chmod", devMode, "/dev/fuse"));
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
