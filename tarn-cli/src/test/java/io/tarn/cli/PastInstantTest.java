package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.time.InstantSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tarn mount --at}: RFC 3339 with any offset, or a relative time before now, to the second. */
@Timeout(10)
class PastInstantTest {
    private static final InstantSource NOW = InstantSource.fixed(Instant.parse("2026-11-26T10:00:00.750Z"));

    private static long ns(String instant) {
        return Instant.parse(instant).getEpochSecond() * 1_000_000_000L;
    }

    @Test
    void rfc3339WithOrWithoutAnOffset() {
        assertEquals(ns("2026-11-25T09:41:00Z"), PastInstant.parse("2026-11-25T09:41:00Z", NOW));
        assertEquals(ns("2026-11-25T09:41:00Z"), PastInstant.parse("2026-11-25T10:41:00+01:00", NOW));
    }

    @Test
    void relativeFormsCountBackFromNowInWholeSeconds() {
        assertEquals(ns("2026-11-26T08:00:00Z"), PastInstant.parse("-2h", NOW));
        assertEquals(ns("2026-11-26T09:30:00Z"), PastInstant.parse("-30m", NOW));
        assertEquals(ns("2026-11-25T10:00:00Z"), PastInstant.parse("-1d", NOW));
    }

    @Test
    void anythingElseIsOneClearEinval() {
        for (String bad : new String[]{"yesterday", "-0", "-2x", "2026-11-25 09:41"}) {
            FsException e = assertThrows(FsException.class, () -> PastInstant.parse(bad, NOW), bad);
            assertEquals(Errno.EINVAL, e.errno(), bad);
            assertTrue(e.getMessage().contains(bad.replaceFirst("^-", "")), e.getMessage());
        }
    }
}
