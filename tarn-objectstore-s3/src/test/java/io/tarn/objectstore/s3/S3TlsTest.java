package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Both request paths over https, against S3Proxy with a certificate made for the test (for "localhost"
 * only): blocks round-trip when the certificate is trusted and names the host; an untrusted certificate,
 * or one naming another host, fails the request with a clear error instead of sending anything.
 */
@Timeout(120)
class S3TlsTest {
    private static final String PASSWORD = "tarn-test";
    static S3ProxyServer server;
    @TempDir
    static Path dir;
    static Path ca;

    @BeforeAll
    static void startServer() throws Exception {
        Path ks = dir.resolve("server.p12");
        ca = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "s3", "-keystore", ks.toString(), "-storepass", PASSWORD, "-file", ca.toString());
        server = S3ProxyServer.startTls(ks, PASSWORD);
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool hung");
        assertEquals(0, p.exitValue(), out);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) server.close();
    }

    private static ObjectStore open(String host, boolean sdk, boolean trusted) throws Exception {
        String uri = "s3://" + server.createBucket() + "/p?endpoint=https://" + host + ":" + server.port()
                + "&path-style=true&region=us-east-1&credentials-file=" + server.writeCredentials(dir, true)
                + (sdk ? "&direct-http=false" : "");
        S3Options o = S3Options.parse(URI.create(uri));
        return new S3ObjectStore(o, S3Clients.credentials(o), trusted ? S3Clients.trustFrom(ca) : null);
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void blocksRoundTripOverTls(boolean sdk) throws Exception {
        byte[] block = new byte[3 * 1024 * 1024 + 17];
        ThreadLocalRandom.current().nextBytes(block);
        try (ObjectStore s = open("localhost", sdk, true)) {
            s.put("blocks/b1", ByteBuffer.wrap(block));
            assertEquals(ByteBuffer.wrap(block), s.get("blocks/b1", 0, -1).orElseThrow());
            assertEquals(ByteBuffer.wrap(block, 1000, 5000), s.get("blocks/b1", 1000, 5000).orElseThrow());
            assertTrue(s.get("blocks/none", 0, -1).isEmpty());
        }
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void untrustedCertificateFailsTheRequest(boolean sdk) throws Exception {
        try (ObjectStore s = open("localhost", sdk, false)) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.put("k", ByteBuffer.wrap(new byte[]{1})));
            assertTrue(e.getMessage().contains("put k failed"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "sdk={0}")
    @ValueSource(booleans = {false, true})
    void certificateForAnotherHostFailsTheRequest(boolean sdk) throws Exception {
        try (ObjectStore s = open("127.0.0.1", sdk, true)) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s.put("k", ByteBuffer.wrap(new byte[]{1})));
            assertTrue(e.getMessage().contains("put k failed"), e.getMessage());
        }
    }
}
