package io.tarn.it;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Times: nanosecond atime/mtime, utimensat with UTIME_NOW and UTIME_OMIT and its permission rules,
 * and atime on read under relatime (the default, compared with ext4 mounted relatime), noatime and
 * strictatime (each on a mount of its own).
 */
class ConformanceTimesTest extends Conformance {
    private static final long NS = 1_000_000_000L, DAY = 86_400L * NS;

    @Test
    void utimensatWithNowOmitAndNanoseconds() throws Exception {
        conform("utimens",
                c("ok", "write", "f", 0, "x"),
                c("ok", "utimens", "f", List.of(1_000_000_000, 123_456_789), List.of(2_000_000_000, 987_654_321)),
                c("ok 1000000000123456789 2000000000987654321", "times", "f"),
                c("ok", "utimens", "f", "omit", List.of(3, 5)),
                c("ok 1000000000123456789 3000000005", "times", "f"),
                c("ok", "utimens", "f", List.of(4, 999_999_999), "omit"),
                c("ok 4999999999 3000000005", "times", "f"),
                c("ok", "utimens", "f", "omit", "omit"),
                c("ok 4999999999 3000000005", "times", "f"),
                c("ok", "chmod", "f", 0666),
                as("ok", ALICE, c(null, "utimens", "f", "now", "now")),
                as("EPERM", ALICE, c(null, "utimens", "f", List.of(1, 0), List.of(1, 0))),
                as("EPERM", ALICE, c(null, "utimens", "f", "now", List.of(1, 0))),
                c("ok", "chmod", "f", 0644),
                as("EACCES", ALICE, c(null, "utimens", "f", "now", "now")),
                c("EINVAL", "utimens", "f", List.of(1, 1_000_000_000), "omit"));
    }

    /** atime_after_read for an atime before mtime, and for one a day in the future (newer than mtime and ctime). */
    private Call[] atimeCalls(String expectOld, String expectFuture) {
        long future = System.currentTimeMillis() * 1_000_000L + DAY;
        return new Call[] {
                c("ok", "write", "f", 0, "data"),
                c("ok", "utimens", "f", "now", List.of(1_000_000, 0)),
                c(expectOld, "atime_after_read", "f", 1_000_000L * NS - 10 * NS),
                c(expectFuture, "atime_after_read", "f", future),
                c(null, "noatime_open", "f")};
    }

    @Test
    void relatimeByDefaultAsOnExt4() throws Exception {
        conform("relatime", atimeCalls("ok updated", "ok kept"));
    }

    @Test
    void noatimeAndStrictatimeMounts() throws Exception {
        for (String option : List.of("noatime", "strictatime")) {
            Path m = tmp.resolve("mnt-" + option);
            try (MountedVolume other = MountedVolume.mount("times-" + option, m, "--data", tmp.resolve("data-" + option).toString(),
                    "-o", "allow_other", "-o", option)) {
                Path saved = mnt;
                mnt = m;
                try {
                    if (option.equals("noatime")) onMount("t", atimeCalls("ok kept", "ok kept"));
                    else onMount("t", atimeCalls("ok updated", "ok updated"));
                } finally {
                    mnt = saved;
                }
            }
        }
    }
}
