package io.tarn.rpc;

import io.tarn.api.MetaService;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.testkit.meta.MetaServiceContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;

/** The whole MetaService contract, through RemoteMetaService and RpcServer on loopback. */
@Timeout(120)
class RemoteMetaServiceContractTest extends MetaServiceContract {
    private static LocalMetaService local;
    private static RpcServer server;

    @BeforeAll
    static void startServer() {
        local = new LocalMetaService(new MemoryKvStore());
        server = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stopServer() {
        server.close();
        local.close();
    }

    /** Each test gets its own client (and connection); the fixture closes it. */
    @Override
    protected MetaService open() {
        return RemoteMetaService.connect("127.0.0.1:" + server.port(), RpcOptions.defaults());
    }
}
