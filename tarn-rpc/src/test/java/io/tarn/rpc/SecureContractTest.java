package io.tarn.rpc;

import io.tarn.api.MetaService;
import io.tarn.api.auth.TokenSpec;
import io.tarn.meta.KvAccessTokens;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import io.tarn.testkit.meta.MetaServiceContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The whole MetaService contract over TLS with an admin token that trusts client uids: the guard changes nothing else. */
@Timeout(120)
class SecureContractTest extends MetaServiceContract {
    private static LocalMetaService local;
    private static RpcServer server;
    private static Path certDir;
    private static Tls clientTls;
    private static String token;

    @BeforeAll
    static void startServer() throws IOException {
        certDir = Files.createTempDirectory("tarn-certs");
        var certs = TestCertificates.create(certDir, List.of("127.0.0.1"), "contract", Duration.ofDays(1));
        MemoryKvStore kv = new MemoryKvStore();
        local = new LocalMetaService(kv);
        KvAccessTokens tokens = new KvAccessTokens(kv, Clock.systemUTC());
        token = tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret();
        server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0),
                new ServerSecurity(Tls.server(certs.serverCert(), certs.serverKey(), null), tokens, true));
        clientTls = Tls.client(certs.ca(), null, null);
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
        local.close();
        try (Stream<Path> files = Files.walk(certDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Override
    protected MetaService open() {
        return RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults().withTls(clientTls).withToken(token));
    }
}
