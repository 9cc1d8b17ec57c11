package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Opened;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The memory filesystem's own permission checks (mounted without default_permissions, with allow_other)
 * seen by ordinary programs (coreutils, sh) run as other users through setpriv: every command runs on the
 * mount and on a local ext4 directory, its outcome must be the same on both, and the refusals stated
 * here (EACCES "Permission denied", EPERM "Operation not permitted") must be there. Names a test looks
 * up after a permission change are fresh ones: the kernel does not ask again for names it has cached
 * (for the entry timeout), which is the transport's documented limit, not the checks'.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OwnPermissionChecksTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int ALICE = 1000, BOB = 1001, STAFF = 3000, OTHERS = 3001;
    private static final String EACCES = "Permission denied", EPERM = "Operation not permitted";

    private Path root, ref, mnt;
    private MountedMemfs mounted;

    /** One command: who runs it (uid, gid, supplementary groups; uid -1 = root as we are), what, and the outcome it must have (null: any). */
    private record Step(int uid, int gid, int[] groups, String cmd, String expect) {}

    private static Step root(String cmd) {
        return new Step(-1, -1, new int[0], cmd, "ok");
    }

    private static Step as(int uid, String cmd, String expect) {
        return new Step(uid, uid, new int[0], cmd, expect);
    }

    private static Step as(int uid, int[] groups, String cmd, String expect) {
        return new Step(uid, uid, groups, cmd, expect);
    }

    @BeforeAll
    void mount() throws Exception {
        assumeTrue("0".equals(Programs.run(WAIT, Path.of("/"), "id", "-u").out().trim()), "needs root to switch users");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv not installed");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        root = Files.createTempDirectory(Path.of("/tmp"), "tarn-perm-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        ref = Files.createDirectory(root.resolve("ref"));
        mnt = Files.createDirectory(root.resolve("mnt"));
        Files.setPosixFilePermissions(ref, PosixFilePermissions.fromString("rwxr-xr-x"));
        MountOptions options = MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs")
                .withAllowOther(true).withDefaultPermissions(false);
        MemoryFilesystem fs = new MemoryFilesystem(Opened.KEEP_CACHE, true);
        // As MemfsMain mounts: with the kernel's own suid clearing a write by a non-owner would reach us as
        // that writer's chmod, which the checks refuse; handle_killpriv_v2 leaves the clearing to memfs.
        mounted = MountedMemfs.mount(mnt, fs, FuseConfig.builder().handleKillprivV2(true).build(), options);
        fs.notifyThrough(mounted.session.notifier());
    }

    @AfterAll
    void unmount() throws Exception {
        try {
            if (mounted != null) mounted.close();
        } finally {
            if (root != null) {
                try (Stream<Path> s = Files.walk(root)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Runs the steps in a fresh directory {@code dir} (mode 0777, owned by root) of both trees and compares. */
    private void conform(String dir, Step... steps) throws Exception {
        List<String> local = run(ref, dir, steps), fuse = run(mnt, dir, steps);
        assertEquals(String.join("\n", local), String.join("\n", fuse), "memfs differs from ext4 in " + dir);
    }

    private List<String> run(Path base, String dir, Step... steps) throws Exception {
        Path d = Files.createDirectory(base.resolve(dir));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> out = new ArrayList<>();
        for (Step s : steps) {
            List<String> cmd = new ArrayList<>();
            if (s.uid() >= 0) {
                cmd.addAll(List.of("setpriv", "--reuid=" + s.uid(), "--regid=" + s.gid()));
                if (s.groups().length == 0) {
                    cmd.add("--clear-groups");
                } else {
                    StringBuilder g = new StringBuilder();
                    for (int x : s.groups()) g.append(g.isEmpty() ? "" : ",").append(x);
                    cmd.add("--groups=" + g);
                }
                cmd.add("--");
            }
            cmd.addAll(List.of("sh", "-c", s.cmd()));
            Programs.Result r = Programs.run(WAIT, d, cmd.toArray(String[]::new));
            String text = (r.exit() == 0 ? "ok" : "exit " + r.exit()) + " " + (r.out() + r.err()).replace(d.toString(), "D").trim();
            String line = "[" + s.uid() + "] " + s.cmd() + " -> " + text.trim();
            if (s.expect() != null && !(s.expect().equals("ok") ? r.exit() == 0 : r.exit() != 0 && text.contains(s.expect()))) {
                throw new AssertionError("in " + d + ": expected " + s.expect() + ", got " + line);
            }
            out.add(line);
        }
        return out;
    }

    @Test
    void ownerGroupOtherWithSupplementaryGroups() throws Exception {
        conform("ugo",
                root("echo secret > f && chown " + ALICE + ":" + STAFF + " f && chmod 0640 f"),
                as(ALICE, "cat f", "ok"),
                as(ALICE, "echo more >> f", "ok"),
                as(BOB, "cat f", EACCES),
                as(BOB, new int[] {STAFF}, "cat f", "ok"),
                as(BOB, new int[] {STAFF}, "echo x >> f", EACCES),
                // The owner's class applies even when it grants less than the group's.
                root("chmod 0070 f"),
                as(ALICE, new int[] {STAFF}, "cat f", EACCES),
                as(BOB, new int[] {STAFF}, "cat f", "ok"),
                // access(2) (test -r/-w/-x) is the filesystem's answer too.
                as(BOB, new int[] {STAFF}, "test -r f && test -w f", null),
                as(BOB, "test -r f || echo no", "ok"),
                root("test -x f || echo root-no-exec"));
    }

    @Test
    void directoriesNeedWriteAndSearchToChangeAndSearchToLookUp() throws Exception {
        conform("dirs",
                root("mkdir d && echo x > d/in && mkdir d/sub && chmod 0755 d"),
                as(BOB, "cat d/in", "ok"),
                as(BOB, "touch d/new", EACCES),
                as(BOB, "mkdir d/newdir", EACCES),
                as(BOB, "ln -s in d/link", EACCES),
                as(BOB, "mkfifo d/fifo", EACCES),
                as(BOB, "rm -f d/in", EACCES),
                as(BOB, "rmdir d/sub", EACCES),
                as(BOB, "mv d/in d/moved", EACCES),
                as(BOB, "mv d/in out", EACCES),
                root("chmod 0700 d"),
                as(BOB, "ls d", EACCES),
                as(BOB, "stat -c %s d/never-looked-up", EACCES),
                as(BOB, "cd d", "can't cd"),
                root("chmod 0711 d"),
                as(BOB, "ls d", EACCES),
                as(BOB, "cat d/in", "ok"),
                root("chmod 0733 d"),
                as(BOB, "touch d/bobs", "ok"),
                as(BOB, "rm d/in", "ok"),
                // Moving a directory to another parent rewrites its "..": write permission on it is needed.
                root("mkdir d/rootdir && chmod 0755 d/rootdir"),
                as(BOB, "mv d/rootdir moved", EACCES));
    }

    @Test
    void ownershipRulesForChmodChownAndTimes() throws Exception {
        conform("owner",
                root("echo x > f && chown " + ALICE + ":" + ALICE + " f && chmod 0644 f"),
                as(ALICE, "chmod 0600 f", "ok"),
                as(BOB, "chmod 0777 f", EPERM),
                as(ALICE, "chown " + BOB + " f", EPERM),
                as(ALICE, "chgrp " + OTHERS + " f", EPERM),
                as(ALICE, new int[] {OTHERS}, "chgrp " + OTHERS + " f", "ok"),
                root("chown " + BOB + ":" + STAFF + " f"),
                root("stat -c '%u %g %a' f"),
                // Times: explicit only by the owner; "now" by the owner or anyone who may write.
                as(ALICE, "touch -c -d 2020-01-01 f", EPERM),
                as(ALICE, "touch -c f", EACCES),
                root("chmod 0666 f"),
                as(ALICE, "touch -c f", "ok"),
                as(ALICE, "touch -c -d 2020-01-01 f", EPERM),
                as(BOB, "touch -c -d 2020-01-01 f", "ok"),
                // A non-member cannot give the file's group set-group-id: the bit is dropped, not refused.
                as(BOB, "chmod 2755 f && stat -c %a f", "ok"),
                root("chgrp " + BOB + " f"),
                as(BOB, "chmod 2755 f && stat -c %a f", "ok"),
                // chown clears set-user-id (and group-executable set-group-id), even by root.
                root("chmod 6755 f && chown " + ALICE + " f && stat -c %a f"),
                // Root may read and write whatever the mode says.
                root("chmod 0000 f && cat f && echo y >> f"),
                as(BOB, "cat f", EACCES));
    }

    @Test
    void stickyDirectoriesKeepOthersOut() throws Exception {
        conform("sticky",
                root("mkdir t && chmod 1777 t"),
                as(ALICE, "echo a > t/alices && chmod 0666 t/alices", "ok"),
                as(BOB, "echo b > t/bobs", "ok"),
                as(BOB, "rm -f t/alices", EPERM),
                as(BOB, "mv t/alices t/mine", EPERM),
                as(BOB, "mv t/bobs t/alices", EPERM),
                as(BOB, "echo B >> t/alices", "ok"),
                as(ALICE, "mv t/alices t/still-alices", "ok"),
                as(BOB, "rm t/bobs", "ok"),
                root("rm t/still-alices"));
    }

    @Test
    void writesByOthersClearSetUserId() throws Exception {
        conform("suid",
                root("echo x > f && chown " + ALICE + ":" + STAFF + " f && chmod 6777 f"),
                as(BOB, "echo y >> f && stat -c %a f", "ok"),
                root("chmod 2664 f"),
                as(ALICE, new int[] {STAFF}, "echo z >> f && stat -c %a f", "ok"),
                root("chmod 4755 f && truncate -s 0 f && stat -c %a f"));
    }
}
