package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * open(2) flags: O_APPEND (also from a second client, after close), O_TRUNC, O_EXCL, O_DIRECT, O_SYNC
 * and O_DSYNC (the data survives a kill -9 of the daemon right after write returns), and mmap
 * MAP_SHARED writes that reach another client after msync and close.
 */
class ConformanceOpenFlagsTest extends Conformance {

    @Test
    void appendTruncAndExcl() throws Exception {
        conform("flags",
                c("ok", "write", "f", 0, "0123456789"),
                c("ok 12", "append", "f", "ab"),
                c("ok 2", "write", "f", 3, "XY", List.of("O_WRONLY", "O_APPEND")),
                c("ok 0123456789abXY", "read", "f", 0, 100),
                c("ok", "open", "f", List.of("O_WRONLY", "O_TRUNC")),
                c("ok 0", "stat", "f", "size"),
                c("ok", "write", "f", 0, "again"),
                c("ok", "chmod", "f", 0644),
                as("EACCES", ALICE, c(null, "open", "f", List.of("O_RDONLY", "O_TRUNC"))),
                c("ok", "open", "f", List.of("O_RDONLY", "O_TRUNC")),
                c(null, "stat", "f", "size"),
                c("EEXIST", "open", "f", List.of("O_WRONLY", "O_CREAT", "O_EXCL")),
                c("ok", "symlink", "nowhere", "dangling"),
                c("EEXIST", "open", "dangling", List.of("O_WRONLY", "O_CREAT", "O_EXCL")),
                c("ENOENT", "open", "nowhere", List.of("O_WRONLY")),
                c("ok", "open", "dangling", List.of("O_WRONLY", "O_CREAT")),
                c("ok", "open", "nowhere", List.of("O_WRONLY")),
                c("ELOOP", "open", "dangling", List.of("O_WRONLY", "O_NOFOLLOW")),
                c("ok", "open", "new", List.of("O_WRONLY", "O_CREAT", "O_EXCL"), 0600),
                c("ok 600", "stat", "new", "mode"));
    }

    @Test
    void directIo() throws Exception {
        conform("direct", c("ok 8192 8192 same", "direct_rw", "f"), c("ok 8192", "stat", "f", "size"));
    }

    @Test
    void mmapSharedWritesAndAppendsReachAnotherClient() throws Exception {
        onMount("shared",
                c("ok", "writeat", "m", 0, 3 * 4096),
                c("ok", "mmap_write", "m", 4096 + 10, "mapped"),
                c("ok", "write", "log", 0, "one;"));
        try (MountedVolume second = MountedVolume.mount("conformance", tmp.resolve("mnt2"), "--data", tmp.resolve("data").toString(),
                "-o", "allow_other")) {
            Path saved = mnt;
            mnt = second.mountpoint;
            try {
                onMount("shared",
                        c("ok mapped", "read", "m", 4096 + 10, 6),
                        c("ok " + 3 * 4096, "stat", "m", "size"),
                        c("ok 8", "append", "log", "two;"));
            } finally {
                mnt = saved;
            }
            // The data lands at the true end; the file position the kernel reports after it may still come
            // from the size it cached before the other client's append (docs/SEMANTICS.md).
            onMount("shared", c("ok", "append", "log", "six;"), c("ok one;two;six;", "read", "log", 0, 100));
        }
    }

    @Test
    void oSyncWritesSurviveAKilledDaemon() throws Exception {
        Path data = tmp.resolve("data-sync"), m = tmp.resolve("mnt-sync");
        MountedVolume v = MountedVolume.mount("sync", m, "--data", data.toString());
        Process writer = null;
        try {
            // Writes with O_SYNC and O_DSYNC, says so, and keeps both files open while the daemon is killed.
            String script = """
                    import os, sys
                    a = os.open(sys.argv[1] + "/s", os.O_WRONLY | os.O_CREAT | os.O_SYNC, 0o644)
                    b = os.open(sys.argv[1] + "/d", os.O_WRONLY | os.O_CREAT | os.O_DSYNC, 0o644)
                    os.write(a, b"synced" * 1000)
                    os.write(b, b"dsynced" * 1000)
                    print("written", flush=True)
                    sys.stdin.read()
                    """;
            writer = new ProcessBuilder(PYTHON, "-c", script, m.toString()).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("written", out.readLine());
            v.kill();
        } finally {
            if (writer != null) {
                writer.destroyForcibly();
                writer.waitFor(30, TimeUnit.SECONDS);
            }
            v.close();
        }
        try (MountedVolume again = MountedVolume.mount("sync", m, "--data", data.toString())) {
            assertEquals("synced".repeat(1000), Files.readString(m.resolve("s")));
            assertEquals("dsynced".repeat(1000), Files.readString(m.resolve("d")));
        }
    }
}
