package io.tarn.fuse.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads /proc/self/mountinfo. It never touches the mounted filesystem itself, so it is safe to
 * use on a mount whose daemon hangs.
 */
public final class MountTable {
    /** One line of mountinfo: the device numbers name the FUSE connection in /sys/fs/fuse/connections. */
    public record MountInfo(int id, int major, int minor, Path mountpoint, String fstype, String source) {
        public boolean isFuse() {
            return fstype.equals("fuse") || fstype.startsWith("fuse.");
        }
    }

    private MountTable() {}

    public static List<MountInfo> all() {
        List<MountInfo> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 10 || dash < 6 || dash + 2 >= f.length) continue;
            String[] dev = f[2].split(":");
            out.add(new MountInfo(Integer.parseInt(f[0]), Integer.parseInt(dev[0]), Integer.parseInt(dev[1]),
                    Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2])));
        }
        return out;
    }

    /** The topmost mount at exactly {@code mountpoint}, if any. */
    public static Optional<MountInfo> find(Path mountpoint) {
        Path p = mountpoint.toAbsolutePath().normalize();
        MountInfo found = null;
        for (MountInfo m : all()) {
            if (m.mountpoint().equals(p)) found = m;
        }
        return Optional.ofNullable(found);
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
