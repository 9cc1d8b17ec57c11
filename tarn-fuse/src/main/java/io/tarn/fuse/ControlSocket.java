package io.tarn.fuse;

import io.tarn.fuse.sys.Libc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The well-known control socket of a mount, where a running daemon waits for a successor:
 * {@code /run/tarn/fuse/<16 hex of SHA-256(mountpoint)>.sock} for root, else under
 * {@code $XDG_RUNTIME_DIR/tarn/fuse/} (or {@code /tmp/tarn-<uid>/fuse/}). Hashing keeps the path
 * under the 107-byte limit of AF_UNIX addresses for any mountpoint.
 */
public final class ControlSocket {
    private ControlSocket() {}

    public static Path pathFor(Path mountpoint) {
        return directory().resolve(key(mountpoint) + ".sock");
    }

    public static Path directory() {
        if (Libc.geteuid() == 0) return Path.of("/run/tarn/fuse");
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) return Path.of(xdg, "tarn", "fuse");
        return Path.of("/tmp", "tarn-" + Libc.getuid(), "fuse");
    }

    static String key(Path mountpoint) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(mountpoint.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
