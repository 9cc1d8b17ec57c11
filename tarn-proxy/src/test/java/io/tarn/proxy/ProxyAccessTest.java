package io.tarn.proxy;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStoreException;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.auth.TokenSpec;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RemoteObjectStore;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import io.tarn.server.MetadataServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Who may talk to a proxy (ADR 0140), with real parts on loopback: a metadata server with TLS and required
 * tokens, and a TLS proxy that checks every presented token with it. A volume token reads and writes its
 * own volume's keys only; a read-only token cannot put or delete; no token, a wrong, expired or revoked
 * token, a plaintext client and a client trusting another CA are refused with a clear error; the proxy
 * logs each refusal.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyAccessTest {
    private static final Duration RECHECK = Duration.ofMillis(200), WAIT = Duration.ofSeconds(30);

    @TempDir static Path dir;
    static MetadataServer meta;
    static ProxyServer proxy;
    static RpcOptions tls;
    static RemoteMetaService admin;
    static VolumeInfo volume;
    static String rw, ro;
    static final List<String> proxyLog = new CopyOnWriteArrayList<>();
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            proxyLog.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters() == null ? new Object[0] : r.getParameters()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("io.tarn").addHandler(CAPTURE);
        var certs = TestCertificates.create(dir.resolve("certs"), List.of("localhost"), "c", Duration.ofDays(1));
        Path adminFile = dir.resolve("admin.token");
        meta = MetadataServer.start(dir.resolve("meta"), new InetSocketAddress("127.0.0.1", 0),
                new MetadataServer.Security(Tls.server(certs.serverCert(), certs.serverKey(), null), true, adminFile));
        tls = RpcOptions.defaults().withTls(Tls.client(certs.ca(), null, null)).withConnectTimeout(Duration.ofSeconds(10))
                .withRideThrough(Duration.ofSeconds(2));
        admin = RemoteMetaService.connect("localhost:" + meta.port(), tls.withToken(Files.readString(adminFile).strip()));
        volume = admin.createVolume(new VolumeSpec("v", "mem://proxied", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
        admin.createVolume(new VolumeSpec("elsewhere", "mem://other-store", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
        rw = admin.createToken(new TokenSpec("v", false, 0, true, 0, 0)).secret();
        ro = admin.createToken(new TokenSpec("v", true, 0, true, 0, 0)).secret();
        proxy = ProxyServer.start(MemoryObjectStore.named("proxied"), "mem://proxied",
                ProxyServer.Config.plain(dir.resolve("cache"))
                        .withSecurity(Tls.server(certs.serverCert(), certs.serverKey(), null), "localhost:" + meta.port(), tls, true)
                        .withTokenRecheck(RECHECK));
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("io.tarn").removeHandler(CAPTURE);
        if (proxy != null) proxy.close();
        if (admin != null) admin.close();
        if (meta != null) meta.close();
    }

    private static RemoteObjectStore client(String token) {
        return RemoteObjectStore.connect("localhost:" + proxy.port(), tls.withToken(token));
    }

    private static String key(String name) {
        return volume.uuid() + "/blocks/00/" + name;
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    private static void awaitLog(String text) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (proxyLog.stream().noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() > until) fail("the proxy never logged '" + text + "':\n" + String.join("\n", proxyLog));
            Thread.onSpinWait();
        }
    }

    /** Repeats {@code call} until it throws (the proxy learns of a change within its recheck interval); the exception. */
    private static ObjectStoreException awaitRefusal(Supplier<?> call) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                call.get();
            } catch (ObjectStoreException e) {
                return e;
            }
            if (System.nanoTime() > until) fail("the call was never refused");
        }
    }

    @Test
    void aVolumeTokenReadsAndWritesItsOwnVolumeOnly() {
        try (RemoteObjectStore c = client(rw)) {
            assertEquals("v", c.grant().volume());
            c.put(key("1"), bytes("through the proxy"));
            assertEquals("through the proxy", text(c.get(key("1"), 0, -1).orElseThrow()));
            assertTrue(c.list(volume.uuid() + "/", null).map(io.tarn.api.ObjectInfo::key).toList().contains(key("1")));
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> c.put("someone-else/blocks/00/1", bytes("x")));
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("is for volume v") && e.getMessage().contains("outside it"), e.getMessage());
            assertThrows(ObjectStoreException.class, () -> c.get("someone-else/blocks/00/1", 0, -1));
            assertThrows(ObjectStoreException.class, () -> c.list("", null).toList(), "a volume token cannot list the whole store");
        }
        assertTrue(proxy.drain(WAIT), "the staged object is uploaded");
        assertEquals("through the proxy", text(MemoryObjectStore.named("proxied").get(key("1"), 0, -1).orElseThrow()));
    }

    @Test
    void aReadOnlyTokenCannotPutOrDelete() {
        try (RemoteObjectStore w = client(rw)) {
            w.put(key("ro"), bytes("kept"));
        }
        try (RemoteObjectStore c = client(ro)) {
            assertEquals("kept", text(c.get(key("ro"), 0, -1).orElseThrow()));
            ObjectStoreException put = assertThrows(ObjectStoreException.class, () -> c.put(key("ro2"), bytes("no")));
            assertTrue(put.getMessage().contains("read-only"), put.getMessage());
            assertFalse(put.retryable());
            ObjectStoreException del = assertThrows(ObjectStoreException.class, () -> c.delete(key("ro")));
            assertTrue(del.getMessage().contains("read-only"), del.getMessage());
            assertEquals("kept", text(c.get(key("ro"), 0, -1).orElseThrow()));
            assertTrue(c.get(key("ro2"), 0, -1).isEmpty());
        }
        awaitLog("is read-only: put of " + key("ro2") + " refused");
    }

    @Test
    void noTokenOrAWrongTokenIsRefused() {
        FsException none = assertThrows(FsException.class, () -> client(null));
        assertEquals(Errno.EACCES, none.errno());
        assertTrue(none.getMessage().contains("proxy localhost:" + proxy.port() + " requires an access token"), none.getMessage());
        awaitLog("no access token presented");

        String wrong = rw.substring(0, rw.length() - 8) + (rw.endsWith("00000000") ? "11111111" : "00000000");
        FsException bad = assertThrows(FsException.class, () -> client(wrong));
        assertEquals(Errno.EACCES, bad.errno());
        assertTrue(bad.getMessage().contains("refused the access token") && bad.getMessage().contains("secret is wrong"), bad.getMessage());
        awaitLog("is unknown or its secret is wrong");
        assertTrue(proxyLog.stream().noneMatch(l -> l.contains(rw.substring(22))), "a token secret was logged");
    }

    @Test
    void anExpiredTokenIsRefused() {
        long expires = Instant.now().plusSeconds(2).getEpochSecond() * 1_000_000_000L;
        String t = admin.createToken(new TokenSpec("v", false, expires, true, 0, 0)).secret();
        try (RemoteObjectStore c = client(t)) {
            c.put(key("exp"), bytes("before"));
            ObjectStoreException e = awaitRefusal(() -> c.get(key("exp"), 0, -1));
            assertTrue(e.getMessage().contains("has expired"), e.getMessage());
        }
        FsException again = assertThrows(FsException.class, () -> client(t));
        assertTrue(again.getMessage().contains("has expired"), again.getMessage());
        awaitLog("has expired");
    }

    @Test
    void aRevokedTokenStopsWorkingWithinTheRecheckInterval() {
        var issued = admin.createToken(new TokenSpec("v", false, 0, true, 0, 0));
        try (RemoteObjectStore c = client(issued.secret())) {
            c.put(key("rev"), bytes("before"));
            admin.revokeToken(issued.info().id());
            ObjectStoreException e = awaitRefusal(() -> {
                c.put(key("rev"), bytes("after"));
                return null;
            });
            assertTrue(e.getMessage().contains("was revoked"), e.getMessage());
            assertFalse(e.retryable());
        }
        FsException again = assertThrows(FsException.class, () -> client(issued.secret()));
        assertTrue(again.getMessage().contains("was revoked"), again.getMessage());
        awaitLog("access token " + issued.info().id() + " was revoked");
    }

    @Test
    void aTokenOfAVolumeOnAnotherStoreIsRefused() {
        String t = admin.createToken(new TokenSpec("elsewhere", false, 0, true, 0, 0)).secret();
        FsException e = assertThrows(FsException.class, () -> client(t));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("keeps its blocks in mem://other-store; this proxy serves mem://proxied"), e.getMessage());
    }

    @Test
    void aProxyThatCannotReachTheMetadataServerSaysSoAndIsNotAVerdict() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ProxyServer cut = ProxyServer.start(new MemoryObjectStore(), "mem://proxied",
                ProxyServer.Config.plain(dir.resolve("cut-cache")).withSecurity(null, "127.0.0.1:" + closedPort, RpcOptions.defaults(), true))) {
            FsException e = assertThrows(FsException.class,
                    () -> RemoteObjectStore.connect("127.0.0.1:" + cut.port(), RpcOptions.defaults().withToken(rw)));
            assertNotEquals(Errno.EACCES, e.errno(), "an unreachable metadata server is no verdict on the token");
            assertTrue(e.getMessage().contains("could not check the access token now")
                    && e.getMessage().contains("metadata server 127.0.0.1:" + closedPort), e.getMessage());
        }
    }

    @Test
    void plaintextAndUntrustedCertificatesAreRefused() {
        FsException plain = assertThrows(FsException.class,
                () -> RemoteObjectStore.connect("localhost:" + proxy.port(), RpcOptions.defaults().withToken(rw)));
        assertEquals(Errno.EPROTO, plain.errno());
        assertTrue(plain.getMessage().contains("proxy localhost:" + proxy.port() + " requires TLS"), plain.getMessage());
        awaitLog("refusing plaintext connection from");

        var otherCa = TestCertificates.create(dir.resolve("other-certs"), List.of("localhost"), "c", Duration.ofDays(1));
        FsException untrusted = assertThrows(FsException.class, () -> RemoteObjectStore.connect("localhost:" + proxy.port(),
                RpcOptions.defaults().withTls(Tls.client(otherCa.ca(), null, null)).withToken(rw)));
        assertEquals(Errno.EACCES, untrusted.errno());
        assertTrue(untrusted.getMessage().contains("its TLS certificate is not trusted"), untrusted.getMessage());
        awaitLog("TLS handshake failed");
    }
}
