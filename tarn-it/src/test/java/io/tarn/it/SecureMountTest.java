package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.fuse.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A locked-down metadata server ({@code tarn meta} with TLS and required tokens, certificates from
 * {@code tarn cert}) used through real mounts (ADR 0100): a good token mounts and works; no token, a
 * wrong token, an expired token and a plaintext client are refused with one line; a read-only token
 * mounts read-only; a revoked token stops a mounted client. The server logs every refusal.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SecureMountTest {
    private static final Duration T = Duration.ofSeconds(90);

    @TempDir static Path tmp;
    static MetaServerProcess server;
    static Path ca, admin;

    @BeforeAll
    static void serve() throws Exception {
        Path certs = tmp.resolve("certs");
        Programs.tarn(T, "cert", "--out", certs.toString(), "--host", "localhost,127.0.0.1").ok();
        ca = certs.resolve("ca.pem");
        admin = tmp.resolve("admin.token");
        server = MetaServerProcess.start(tmp.resolve("meta"), "--tls-cert", certs.resolve("server.pem").toString(),
                "--tls-key", certs.resolve("server-key.pem").toString(), "--auth", "token", "--admin-token-file", admin.toString());
        tarn("volume", "create", "v", "--store", tmp.resolve("objects").toUri().toString(), "--token-file", admin.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    /** {@code tarn ARGS --meta SERVER --tls-ca CA}, expected to succeed. */
    private static Programs.Result tarn(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--meta", server.address(), "--tls-ca", ca.toString()));
        return Programs.tarn(T, a.toArray(String[]::new)).ok();
    }

    private static Path token(String name, String... options) throws Exception {
        Path f = tmp.resolve(name + ".token");
        List<String> a = new ArrayList<>(List.of("token", "create", "v", "--out", f.toString(), "--token-file", admin.toString()));
        a.addAll(List.of(options));
        tarn(a.toArray(String[]::new));
        return f;
    }

    private static MountedVolume mount(String dir, Path token) throws Exception {
        return MountedVolume.mount("v", tmp.resolve(dir), "--meta", server.address(),
                "-o", "token-file=" + token + ",tls-ca=" + ca);
    }

    private static String idOf(Path token) throws IOException {
        return Files.readString(token).strip().substring("tarn_".length(), "tarn_".length() + 16);
    }

    @Test
    void aMountWithTlsAndATokenWorks() throws Exception {
        Path rw = token("rw", "--trust-uids");
        try (MountedVolume mv = mount("mnt-rw", rw)) {
            byte[] random = new byte[3 << 20];
            new java.util.Random(8).nextBytes(random);
            Files.writeString(mv.mountpoint.resolve("hello.txt"), "hello over TLS\n");
            Files.write(mv.mountpoint.resolve("random.bin"), random);
            assertEquals("hello over TLS\n", Files.readString(mv.mountpoint.resolve("hello.txt")));
            assertTrue(java.util.Arrays.equals(random, Files.readAllBytes(mv.mountpoint.resolve("random.bin"))));
        }
    }

    @Test
    void clientsWithoutAGoodTokenOrWithoutTlsAreRefusedWithOneLine() throws Exception {
        Path mp = Files.createDirectories(tmp.resolve("mnt-refused"));
        Path wrong = tmp.resolve("wrong.token");
        String good = Files.readString(token("victim", "--trust-uids")).strip();
        Files.writeString(wrong, good.substring(0, good.length() - 8) + (good.endsWith("00000000") ? "11111111" : "00000000"));
        Path expiring = token("expiring", "--trust-uids", "--expires", "1s");
        String addr = server.address();
        BadInputTest.oneLineError(Programs.tarn(T, "mount", "--foreground", "--meta", addr, "-o", "tls-ca=" + ca, "v", mp.toString()),
                "requires an access token");
        BadInputTest.oneLineError(Programs.tarn(T, "mount", "--foreground", "--meta", addr, "-o", "tls-ca=" + ca + ",token-file=" + wrong,
                "v", mp.toString()), "refused the access token", "secret is wrong");
        BadInputTest.oneLineError(Programs.tarn(T, "mount", "--foreground", "--meta", addr, "-o", "token-file=" + admin,
                "v", mp.toString()), "requires TLS");
        BadInputTest.oneLineError(Programs.tarn(T, "volume", "list", "--meta", addr, "--token-file", admin.toString()), "requires TLS");
        // The token expires a second after it was issued: wait for that, then it is refused like any other.
        long deadline = System.nanoTime() + T.toNanos();
        Programs.Result r;
        do {
            r = Programs.tarn(T, "volume", "list", "--meta", addr, "--tls-ca", ca.toString(), "--token-file", expiring.toString());
        } while (r.exit() == 0 && System.nanoTime() < deadline);
        BadInputTest.oneLineError(r, "has expired");
        assertFalse(MountTable.find(mp).isPresent());

        server.awaitLog("refusing connection from", T);
        String log = server.logText();
        assertTrue(log.contains("no access token presented"), log);
        assertTrue(log.contains("access token " + idOf(wrong) + " is unknown or its secret is wrong"), log);
        assertTrue(log.contains("refusing plaintext connection from /127.0.0.1"), log);
        assertTrue(log.contains("access token " + idOf(expiring) + " has expired"), log);
        assertFalse(log.contains(good.substring(22)), "a token secret was logged");
    }

    @Test
    void aReadOnlyTokenMountsReadOnly() throws Exception {
        try (MountedVolume rw = mount("mnt-writer", token("writer", "--trust-uids"))) {
            Files.writeString(rw.mountpoint.resolve("for-readers.txt"), "read me");
        }
        try (MountedVolume ro = mount("mnt-ro", token("ro", "--read-only", "--trust-uids"))) {
            assertEquals("read me", Files.readString(ro.mountpoint.resolve("for-readers.txt")));
            IOException e = assertThrows(IOException.class, () -> Files.writeString(ro.mountpoint.resolve("new.txt"), "no"));
            assertTrue(String.valueOf(e.getMessage()).contains("Read-only file system"), e.toString());
            assertThrows(IOException.class, () -> Files.delete(ro.mountpoint.resolve("for-readers.txt")));
        }
    }

    @Test
    void anEmbeddedDaemonServesItsOwnerOnly() throws Exception {
        Path data = tmp.resolve("embedded");
        try (MountedVolume mv = MountedVolume.mount("e", tmp.resolve("mnt-embedded"), "--data", data.toString())) {
            Files.writeString(mv.mountpoint.resolve("f"), "x");
            Path endpoint = data.resolve("meta.endpoint");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(endpoint)));
            List<String> lines = Files.readAllLines(endpoint);
            // The owner's commands go through the daemon with the secret from the file, with no setup.
            assertTrue(Programs.tarn(T, "volume", "list", "--data", data.toString()).ok().out().contains("e "));
            Programs.tarn(T, "token", "create", "e", "--uid", "1000", "--data", data.toString()).ok();
            // Whoever finds the port but cannot read the file gets nothing.
            BadInputTest.oneLineError(Programs.tarn(T, "volume", "list", "--meta", lines.get(0)), "requires an access token");
        }
    }

    @Test
    void revokingATokenStopsAMountedClient() throws Exception {
        Path t = token("revoked", "--trust-uids");
        String id = idOf(t);
        try (MountedVolume mv = mount("mnt-revoked", t)) {
            Files.writeString(mv.mountpoint.resolve("before.txt"), "written before");
            String out = tarn("token", "revoke", idOf(t), "--token-file", admin.toString()).out();
            assertTrue(out.contains("revoked token " + idOf(t)), out);
            // EACCES from the server: Java reports it as AccessDeniedException.
            assertThrows(java.nio.file.AccessDeniedException.class, () -> Files.writeString(mv.mountpoint.resolve("after.txt"), "no"));
            server.awaitLog("access token " + idOf(t) + " was revoked", T);
        }
        String list = tarn("token", "list", "v", "--token-file", admin.toString()).out();
        assertTrue(list.lines().anyMatch(l -> l.startsWith(id) && l.contains("revoked")), list);
        assertNotEquals(0, Programs.tarn(T, "volume", "list", "--meta", server.address(), "--tls-ca", ca.toString(),
                "--token-file", t.toString()).exit());
    }
}
