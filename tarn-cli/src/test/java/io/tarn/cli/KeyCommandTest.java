package io.tarn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class KeyCommandTest {
    @Test
    void createsAnOwnerOnlyKeyAndNeverOverwrites(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("v.key");
        assertEquals(0, Main.run("key", "create", key.toString()));
        assertEquals(32, Files.size(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        byte[] first = Files.readAllBytes(key);
        assertNotEquals(0, Main.run("key", "create", key.toString()));
        assertArrayEquals(first, Files.readAllBytes(key));
    }
}
