package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.fuse.mount.MountTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A volume created on first mount is checked against its store first: a bad store creates nothing. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MountStoreCheckTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir Path tmp;

    @Test
    void badStoreOnFirstMountFailsInOneLineAndCreatesNoVolume() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        String data = tmp.resolve("data").toString();
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        for (String store : new String[] {"nosuch://bucket/prefix", notADir.toUri() + "/sub"}) {
            Programs.Result r = Programs.tarn(T, "mount", "--data", data, "--store", store, "v", mnt.toString());
            assertNotEquals(0, r.exit(), r.out());
            String err = r.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("tarn: "), err);
            assertFalse(MountTable.find(mnt).isPresent(), "nothing may be mounted");
            String list = Programs.tarn(T, "volume", "list", "--data", data).ok().out();
            assertFalse(list.lines().anyMatch(l -> l.startsWith("v ")), list);
        }
    }
}
