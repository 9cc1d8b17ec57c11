package io.tarn.proxy;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.rpc.ProxyGroup;
import io.tarn.rpc.RpcOptions;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import io.tarn.testkit.store.ObjectStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The object store contract through the whole proxy path: a {@link ProxyGroup} client of two real
 * proxies over loopback TLS 1.3, both staging on disk in front of one shared store. Keys spread over
 * both members, so listings are merged across them.
 */
class ProxyGroupContractTest extends ObjectStoreContract {
    @TempDir static Path dir;
    static TestCertificates.Files certs;
    private final List<ProxyServer> proxies = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.create(dir.resolve("certs"), List.of("localhost"), "client", Duration.ofDays(1));
    }

    @Override
    protected ObjectStore open() throws Exception {
        MemoryObjectStore shared = new MemoryObjectStore();
        Tls tls = Tls.server(certs.serverCert(), certs.serverKey(), null);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path cache = Files.createTempDirectory(dir, "cache");
            ProxyServer p = ProxyServer.start(new Unclosed(shared), "mem://shared",
                    ProxyServer.Config.plain(cache).withSecurity(tls, null, null, false));
            proxies.add(p);
            members.add("localhost:" + p.port());
        }
        return ProxyGroup.connect(members, RpcOptions.defaults().withTls(Tls.client(certs.ca(), null, null)));
    }

    @AfterEach
    void stopProxies() {
        proxies.forEach(ProxyServer::close);
    }

    /** The shared store, left open when one proxy closes its view of it. */
    private record Unclosed(ObjectStore s) implements ObjectStore {
        public java.util.Optional<java.nio.ByteBuffer> get(String key, long offset, int length) {
            return s.get(key, offset, length);
        }

        public void put(String key, java.nio.ByteBuffer data) {
            s.put(key, data);
        }

        public void delete(String key) {
            s.delete(key);
        }

        public java.util.stream.Stream<io.tarn.api.ObjectInfo> list(String prefix, String startAfter) {
            return s.list(prefix, startAfter);
        }

        public String describe() {
            return s.describe();
        }

        public void close() {
        }
    }
}
