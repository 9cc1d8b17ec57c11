package io.tarn.meta.rocksdb;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.meta.LocalMetaService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** kill -9 of a process in the middle of committing: every mutation it acknowledged is there after reopen. */
class CrashDurabilityTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedMutationsSurviveKillMinus9() throws Exception {
        Path db = dir.resolve("db");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), db.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> acked = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            String line;
            while (acked.size() < 400 && (line = out.readLine()) != null) {
                if (line.startsWith("ack ")) acked.add(line.substring(4));
            }
            // SIGKILL through the handle, which (unlike Process.destroyForcibly) leaves our pipe readable.
            assertTrue(child.toHandle().destroyForcibly());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            // Acks already in the pipe when the kill landed count too.
            while ((line = out.readLine()) != null) if (line.startsWith("ack ")) acked.add(line.substring(4));
        } finally {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertTrue(acked.size() >= 400);
        try (LocalMetaService meta = new LocalMetaService(RocksDbKvStore.open(db))) {
            SessionInfo s = meta.openSession("crash", "checker");
            Ctx ctx = new Ctx(s.session(), 0, Caller.ROOT);
            long root = s.volume().rootIno();
            for (String name : acked) assertTrue(meta.lookup(ctx, root, name).isDir(), name);
            int subdirs = meta.getAttr(ctx, root).nlink() - 2;
            assertTrue(subdirs >= acked.size(), "root nlink counts every acknowledged mkdir");
        }
    }
}
