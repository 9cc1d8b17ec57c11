package io.tarn.testkit.memfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The launcher's failures are one line on stderr and a non-zero exit. */
@Timeout(60)
class MemfsMainTest {
    @Test
    void missingMountpointIsAOneLineError(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("nowhere");
        var r = Programs.run(Duration.ofSeconds(30), tmp, Programs.java(), "--enable-native-access=ALL-UNNAMED",
                "-cp", Programs.classpath(), MemfsMain.class.getName(), missing.toString());
        assertEquals(1, r.exit());
        assertEquals("memfs: cannot mount at " + missing + ": no such directory\n", r.err());
    }

    @Test
    void takeOverWithoutARunningDaemonIsAOneLineError(@TempDir Path tmp) throws Exception {
        var r = Programs.run(Duration.ofSeconds(30), tmp, Programs.java(), "--enable-native-access=ALL-UNNAMED",
                "-cp", Programs.classpath(), MemfsMain.class.getName(), tmp.toString(), "--takeover");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(true, r.err().startsWith("memfs: cannot connect to "), r.err());
    }
}
