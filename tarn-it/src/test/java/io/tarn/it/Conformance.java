package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tarn's POSIX conformance suite: each subclass is one area, run against a fresh volume mounted by
 * {@code tarn mount} (with allow_other, so other users can be tried) and, where the kernel and ext4 are
 * the reference, against a local directory on the same machine. The calls are made by
 * {@code posix_probe.py} (python3, ctypes for the syscalls Java lacks), which prints for each call its
 * result or errno name; a {@link Call} may also state the outcome POSIX requires, which then must hold
 * on both file systems.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class Conformance {
    static final Duration T = Duration.ofSeconds(120);
    /** Not the shell's python3: unprivileged users must be able to run it, and CI has Debian's. */
    static final String PYTHON = "/usr/bin/python3";
    static final int ALICE = 1000, BOB = 1001, STAFF = 3000, OTHERS = 3001;

    @TempDir static Path tmp;
    AutoCloseable mv;
    Path mnt, ref, probe;

    /** Extra mount options (after allow_other). */
    List<String> mountOptions() {
        return List.of();
    }

    @BeforeAll
    void mountAndReference() throws Exception {
        // Other users reach both trees through the temporary folder.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        probe = tmp.resolve("posix_probe.py");
        try (InputStream in = Conformance.class.getResourceAsStream("/posix_probe.py")) {
            Files.copy(in, probe, StandardCopyOption.REPLACE_EXISTING);
        }
        ref = Files.createDirectories(tmp.resolve("ref"));
        Files.setPosixFilePermissions(ref, PosixFilePermissions.fromString("rwxr-xr-x"));
        mnt = tmp.resolve("mnt");
        mv = mountUnderTest(mnt);
    }

    /** Mounts the file system under test at {@code mnt}, reachable by other users: a Tarn volume by default. */
    AutoCloseable mountUnderTest(Path mnt) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", tmp.resolve("data").toString(), "-o", "allow_other"));
        for (String o : mountOptions()) args.addAll(List.of("-o", o));
        return MountedVolume.mount("conformance", mnt, args.toArray(String[]::new));
    }

    @AfterAll
    void unmount() throws Exception {
        if (mv != null) mv.close();
    }

    /** One call for posix_probe.py and, unless null, the outcome it must have ("ok" for any success, "ok VALUE", or an errno name). */
    record Call(String expect, List<Object> call) {}

    static Call c(String expect, Object... call) {
        return new Call(expect, Arrays.asList(call));
    }

    /** A call made as another user: uid, gid, supplementary groups, umask (null: inherited). */
    static Call as(String expect, int uid, int gid, int[] groups, Call inner) {
        List<Object> g = new ArrayList<>();
        for (int x : groups) g.add(x);
        return new Call(expect, Arrays.asList("as", uid, gid, g, null, inner.call()));
    }

    static Call as(String expect, int uid, Call inner) {
        return as(expect, uid, uid, new int[0], inner);
    }

    /**
     * Runs {@code calls} in a fresh directory {@code dir} (mode 0777) of the mount and of the local
     * reference, requires each stated outcome on both, and the same outcome of every call on both.
     */
    List<String> conform(String dir, Call... calls) throws Exception {
        List<String> local = run(ref, dir, calls);
        List<String> tarn = run(mnt, dir, calls);
        assertEquals(String.join("\n", local), String.join("\n", tarn), "Tarn differs from the local file system in " + dir);
        return tarn;
    }

    /** Runs {@code calls} on the mount only (where ext4 is no reference, e.g. mount options) and checks stated outcomes. */
    List<String> onMount(String dir, Call... calls) throws Exception {
        return run(mnt, dir, calls);
    }

    private List<String> run(Path root, String dir, Call... calls) throws Exception {
        Path d = root.resolve(dir);
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> out = probe(d, calls);
        for (int i = 0; i < calls.length; i++) {
            String want = calls[i].expect();
            // "ok" alone accepts any successful result; anything else must match exactly.
            boolean fine = want == null || want.equals(out.get(i)) || want.equals("ok") && out.get(i).startsWith("ok");
            if (!fine) assertEquals(want, out.get(i), "call " + i + " " + calls[i].call() + " in " + d);
        }
        return out;
    }

    /** The outcome of each call in {@code dir}, in order. */
    List<String> probe(Path dir, Call... calls) throws IOException, InterruptedException {
        List<Object> list = new ArrayList<>();
        for (Call c : calls) list.add(c.call());
        Programs.Result r = Programs.run(T, null, List.of(PYTHON, probe.toString(), dir.toString(), Json.of(list))).ok();
        List<String> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (line.isEmpty()) continue;
            out.add(line.substring(line.indexOf(" -> ") + 4));
        }
        assertEquals(calls.length, out.size(), "probe output:\n" + r.out() + r.err());
        return out;
    }

    /** The smallest JSON writer the probe needs: strings, numbers, booleans, null and lists. */
    static final class Json {
        private Json() {}

        static String of(Object o) {
            StringBuilder b = new StringBuilder();
            write(b, o);
            return b.toString();
        }

        private static void write(StringBuilder b, Object o) {
            if (o == null) b.append("null");
            else if (o instanceof Number || o instanceof Boolean) b.append(o);
            else if (o instanceof List<?> l) {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(',');
                    write(b, l.get(i));
                }
                b.append(']');
            } else {
                b.append('"');
                for (char ch : o.toString().toCharArray()) {
                    if (ch == '"' || ch == '\\') b.append('\\').append(ch);
                    else if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch));
                    else b.append(ch);
                }
                b.append('"');
            }
        }
    }
}
