package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Parses {@code --at}: an RFC 3339 instant ({@code 2026-11-25T09:41:00Z}, offsets allowed) or {@code -2h}, {@code -30m}, {@code -1d}. */
final class PastInstant {
    private PastInstant() {}

    /** Nanoseconds since the epoch, whole seconds (views are second-precise). */
    static long parse(String s, InstantSource clock) {
        String t = s.trim();
        if (t.startsWith("-")) {
            long secs = Sizes.seconds(t.substring(1));
            if (secs <= 0) throw FsException.of(Errno.EINVAL, "not a time in the past: '%s' (examples: -2h, -30m, -1d)", s);
            return (clock.instant().getEpochSecond() - secs) * 1_000_000_000L;
        }
        try {
            Instant i = OffsetDateTime.parse(t).toInstant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        } catch (DateTimeParseException e) {
            throw FsException.of(Errno.EINVAL, "not an RFC 3339 instant or a relative time: '%s' (examples: 2026-11-25T09:41:00Z, -2h)", s);
        }
    }
}
