package io.tarn.server;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.rpc.RemoteMetaService;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A locked-down server (TLS, tokens required) over RocksDB: bootstrap admin token, tokens and revocations survive a restart. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MetadataServerSecurityTest {
    @TempDir Path dir;

    @Test
    void adminTokenFileBootstrapsAndTokensAreDurable() throws Exception {
        var certs = TestCertificates.create(dir.resolve("certs"), List.of("localhost"), "c", Duration.ofDays(1));
        Path adminFile = dir.resolve("etc/admin.token");
        var security = new MetadataServer.Security(Tls.server(certs.serverCert(), certs.serverKey(), null), true, adminFile);
        RpcOptions base = RpcOptions.defaults().withTls(Tls.client(certs.ca(), null, null)).withConnectTimeout(Duration.ofSeconds(10));
        IssuedToken kept, revoked;
        int port;
        try (MetadataServer server = MetadataServer.start(dir.resolve("meta"), new InetSocketAddress("127.0.0.1", 0), security)) {
            port = server.port();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(adminFile)));
            String admin = Files.readString(adminFile).strip();
            // Host name verification: the certificate names localhost, so that is what the client dials.
            try (RemoteMetaService a = RemoteMetaService.connect("localhost:" + port, base.withToken(admin))) {
                assertTrue(a.grant().admin());
                a.createVolume(new VolumeSpec("v", "mem://v", VolumeSpec.DEFAULT_BLOCK_SIZE, "lz4", 0));
                SessionInfo as = a.openSession("v", "admin");
                a.setAttr(new Ctx(as.session(), 0, Caller.ROOT), as.volume().rootIno(), io.tarn.api.SetAttr.mode(0777));
                a.closeSession(as.session());
                kept = a.createToken(new TokenSpec("v", false, 0, false, 1000, 1000));
                revoked = a.createToken(new TokenSpec("v", false, 0, true, 0, 0));
                a.revokeToken(revoked.info().id());
            }
        }
        String adminBefore = Files.readString(adminFile);
        try (MetadataServer server = MetadataServer.start(dir.resolve("meta"), new InetSocketAddress("127.0.0.1", port), security);
             RemoteMetaService c = RemoteMetaService.connect("localhost:" + port, base.withToken(kept.secret()))) {
            assertEquals(adminBefore, Files.readString(adminFile), "an existing admin token file is left alone");
            SessionInfo s = c.openSession("v", "t");
            assertEquals(1000, c.mkdir(new Ctx(s.session(), 0, Caller.ROOT), s.volume().rootIno(), "d", 0755).uid());
            FsException e = assertThrows(FsException.class, () -> RemoteMetaService.connect("localhost:" + port, base.withToken(revoked.secret())));
            assertEquals(Errno.EACCES, e.errno());
            assertTrue(e.getMessage().contains("was revoked"), e.getMessage());
            assertEquals(2, server.tokens().listTokens("v").size());
        }
    }
}
