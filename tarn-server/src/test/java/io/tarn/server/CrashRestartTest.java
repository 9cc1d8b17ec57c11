package io.tarn.server;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The metadata server runs in a child JVM and is killed with SIGKILL mid-workload, twice, then
 * started again on the same port and data directory. Calls in flight at the kill may or may not
 * have committed; either way the client resends them with their request ids and the application
 * sees no error, loses nothing acknowledged and gets nothing twice.
 */
@Timeout(180)
class CrashRestartTest {
    private static final int KILLS = 2;

    @TempDir
    Path dir;
    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private int launch(Path data, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ServerProcess.class.getName(), data.toString(), String.valueOf(port))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) return Integer.parseInt(line.substring(6).trim());
        }
        fail("the server process exited before it was ready (exit " + child.exitValue() + ")");
        return -1;
    }

    @Test
    void clientsSeeNoErrorAcrossServerCrashes() throws Exception {
        Path data = dir.resolve("meta");
        int port = launch(data, 0);
        try (RemoteMetaService remote = RemoteMetaService.connect("127.0.0.1:" + port, RpcOptions.defaults())) {
            remote.createVolume(new VolumeSpec("crash", "mem://crash", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo s = remote.openSession("crash", "crash-test");
            MutationStream stream = new MutationStream(remote, new Ctx(s.session(), 0, Caller.ROOT), s.volume().rootIno(), 3);
            stream.start();
            for (int k = 0; k < KILLS; k++) {
                stream.awaitCalls(300, Duration.ofSeconds(60), "traffic before kill " + k);
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(port, launch(data, port));
            }
            stream.awaitCalls(300, Duration.ofSeconds(60), "traffic after the last restart");
            stream.stopAndCheck();
            assertTrue(remote.reconnects() >= KILLS, "the client reconnected only " + remote.reconnects() + " times");
            remote.heartbeat(s.session());
            System.out.printf("kill -9 restarts: %d acknowledged files, %d calls, %d kills; longest call %d ms%n",
                    stream.ackedFiles(), stream.calls.get(), KILLS, stream.longestNanos.get() / 1_000_000);
        }
    }
}
