package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import java.time.Duration;
import java.util.Locale;

/** Parses the human forms of sizes ("4M", "256K", "1G") and durations ("30d", "2h", "90s"). */
final class Sizes {
    private Sizes() {}

    static long bytes(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                case 'T' -> mult = 1L << 40;
                default -> mult = 1;
            }
            if (mult != 1) t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v < 0) throw new NumberFormatException();
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw FsException.of(Errno.EINVAL, "not a size: '%s' (examples: 4M, 256K, 1G)", s);
        }
    }

    /** A quota size: a size as {@link #bytes}, or "none" (0: no limit). */
    static long quotaBytes(String s) {
        return s.trim().equalsIgnoreCase("none") ? 0 : bytes(s);
    }

    /** A quota count of inodes: "1000", "500k", "1M" (decimal, as df -i counts), or "none" (0: no limit). */
    static long quotaCount(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.equals("NONE")) return 0;
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> mult = 1_000L;
                case 'M' -> mult = 1_000_000L;
                case 'G' -> mult = 1_000_000_000L;
                default -> mult = 1;
            }
            if (mult != 1) t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v < 0) throw new NumberFormatException();
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw FsException.of(Errno.EINVAL, "not an inode count: '%s' (examples: 100000, 500k, 1M, none)", s);
        }
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Seconds of a duration like "7d", "12h", "30m", "45s", "0" or "-1" (forever). */
    static long seconds(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("-1") || t.equals("forever")) return -1;
        try {
            if (t.matches("\\d+")) return Long.parseLong(t);
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 'd' -> Duration.ofDays(n).toSeconds();
                case 'h' -> Duration.ofHours(n).toSeconds();
                case 'm' -> Duration.ofMinutes(n).toSeconds();
                case 's' -> n;
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw FsException.of(Errno.EINVAL, "not a duration: '%s' (examples: 7d, 12h, 30m, 0, -1)", s);
        }
    }
}
