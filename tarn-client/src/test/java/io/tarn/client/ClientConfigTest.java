package io.tarn.client;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(10)
class ClientConfigTest {
    @Test
    void parsesSizesCountsAndDurations() {
        ClientConfig c = ClientConfig.parse(Map.of("write-buffer", "64M", "cache-size", "1g", "upload-concurrency", "4",
                "download-concurrency", "8", "dir-page-size", "100", "retry-attempts", "3", "retry-deadline", "30s",
                "heartbeat", "500ms"));
        assertEquals(64L << 20, c.writeBufferBytes());
        assertEquals(1L << 30, c.cacheBytes());
        assertEquals(4, c.uploadConcurrency());
        assertEquals(8, c.downloadConcurrency());
        assertEquals(100, c.dirPageSize());
        assertEquals(3, c.retry().maxAttempts());
        assertEquals(Duration.ofSeconds(30), c.retry().deadline());
        assertEquals(Duration.ofMillis(500), c.heartbeat());
        assertEquals(ClientConfig.DEFAULTS, ClientConfig.parse(Map.of()));
        assertEquals(4096, ClientConfig.size("4096"));
        assertEquals(2048, ClientConfig.size("2KiB"));
    }

    @Test
    void readAroundIsOnUnlessTurnedOff() {
        assertTrue(ClientConfig.DEFAULTS.readAround());
        assertFalse(ClientConfig.parse(Map.of("read-around", "off")).readAround());
        assertTrue(ClientConfig.parse(Map.of("read-around", "on")).readAround());
        FsException e = assertThrows(FsException.class, () -> ClientConfig.parse(Map.of("read-around", "sometimes")));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("read-around"), e.getMessage());
    }

    @Test
    void writeBackNeedsALocalDirectory() {
        ClientConfig c = ClientConfig.parse(new java.util.TreeMap<>(Map.of("writeback", "", "cache-dir", "/var/cache/tarn")));
        assertTrue(c.diskCache().writeBack());
        assertEquals(10L << 30, c.diskCache().writeBackBytes());
        assertEquals(1L << 20, ClientConfig.parse(Map.of("writeback", "on", "cache-dir", "/c", "writeback-size", "1M"))
                .diskCache().writeBackBytes());
        assertFalse(ClientConfig.parse(Map.of("writeback", "off")).diskCache().writeBack());
        FsException e = assertThrows(FsException.class, () -> ClientConfig.parse(Map.of("writeback", "on")));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("cache-dir"), e.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> ClientConfig.parse(Map.of("writeback", "maybe", "cache-dir", "/c"))).errno());
    }

    @Test
    void badInputIsEinvalNamingTheKey() {
        for (Map<String, String> bad : java.util.List.of(Map.of("write-buffer", "lots"), Map.of("nope", "1"),
                Map.of("upload-concurrency", "0"), Map.of("write-buffer", "0"), Map.of("retry-attempts", "0"))) {
            FsException e = assertThrows(FsException.class, () -> ClientConfig.parse(bad), bad.toString());
            assertEquals(Errno.EINVAL, e.errno());
        }
        assertTrue(assertThrows(FsException.class, () -> ClientConfig.parse(Map.of("write-buffer", "lots")))
                .getMessage().contains("write-buffer"));
    }
}
