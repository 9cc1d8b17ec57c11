package io.tarn.cli.mount;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code DIR/meta.endpoint}: where the daemon holding an embedded store serves it on loopback, and the
 * secret other commands of the folder's owner present there (ADR 0100). The file is readable by its
 * owner only, so another local user who finds the port still cannot use it. Line 1 is
 * {@code 127.0.0.1:PORT}, line 2 the secret.
 */
public record Endpoint(String hostPort, String secret) {
    static final String FILE = "meta.endpoint";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The endpoint published in {@code dataDir}, or null if there is none (or it is unreadable). */
    public static Endpoint read(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve(FILE));
            if (lines.isEmpty() || lines.getFirst().strip().lastIndexOf(':') <= 0) return null;
            return new Endpoint(lines.getFirst().strip(), lines.size() > 1 && !lines.get(1).isBlank() ? lines.get(1).strip() : null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The port of the published endpoint, or 0. */
    int port() {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    /** A fresh secret for a daemon that starts serving a folder. */
    static String newSecret() {
        byte[] b = new byte[40];
        RANDOM.nextBytes(b);
        HexFormat h = HexFormat.of();
        return "tarn_" + h.formatHex(b, 0, 8) + "_" + h.formatHex(b, 8, 40);
    }

    /** Writes the endpoint atomically, mode 0600 from the start. */
    static Path publish(Path dataDir, int port, String secret) throws IOException {
        Path file = dataDir.resolve(FILE);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, "127.0.0.1:" + port + "\n" + secret + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /**
     * The store's tokens plus the owner's secret: presenting it gives what the loopback endpoint always
     * gave, an admin that is trusted with uids. The secret lives in this process and the endpoint file only.
     */
    static AccessTokens withOwner(AccessTokens store, String secret) {
        AccessToken owner = new AccessToken(secret.substring(5, 21), null, false, 0, true, 0, 0, 0, 0);
        byte[] expected = secret.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return new AccessTokens() {
            @Override
            public AccessToken verify(String presented) {
                if (presented != null && MessageDigest.isEqual(expected, presented.strip().getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    return owner;
                if (store == null) throw FsException.of(Errno.EACCES, "unknown access token");
                return store.verify(presented);
            }

            @Override
            public AccessToken current(String id) {
                if (id.equals(owner.id())) return owner;
                return store == null ? null : store.current(id);
            }

            @Override
            public String sessionVolume(long session) {
                return store == null ? null : store.sessionVolume(session);
            }

            @Override
            public long nowNs() {
                return store == null ? System.currentTimeMillis() * 1_000_000L : store.nowNs();
            }

            @Override
            public IssuedToken createToken(TokenSpec spec) {
                return tokens().createToken(spec);
            }

            @Override
            public List<AccessToken> listTokens(String volume) {
                return tokens().listTokens(volume);
            }

            @Override
            public AccessToken revokeToken(String id) {
                return tokens().revokeToken(id);
            }

            private AccessTokens tokens() {
                if (store == null) throw FsException.of(Errno.ENOTSUP, "this daemon serves no token store");
                return store;
            }
        };
    }
}
