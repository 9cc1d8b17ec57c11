package io.tarn.fuse.mount;

import io.tarn.fuse.MountOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mount failures are one-line errors, and nothing is left mounted. */
@Timeout(20)
class MounterTest {
    @Test
    void missingMountpointFailsWithOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("does-not-exist");
        IOException e = assertThrows(IOException.class, () -> Mounter.mount(MountOptions.at(missing)));
        assertEquals("cannot mount at " + missing + ": no such directory", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingDeviceFailsWithOneLine(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class,
                () -> Mounter.mount(MountOptions.at(dir), dir.resolve("no-fuse-device")));
        assertTrue(e.getMessage().startsWith("cannot mount at " + dir + ": /dev/fuse is missing"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(MountTable.find(dir).isEmpty());
    }

    @Test
    void forceUnmountOfAPlainDirectoryIsANoOp(@TempDir Path dir) {
        assertFalse(Mounter.forceUnmount(dir));
    }

    @Test
    void mountTableSeesTheRootMount() {
        assertTrue(MountTable.find(Path.of("/")).isPresent());
    }
}
