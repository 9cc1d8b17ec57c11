package io.tarn.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** A metadata server in a child JVM for crash tests: {@code ServerProcess DIR PORT}; prints "READY port" when serving. */
public final class ServerProcess {
    private ServerProcess() {}

    public static void main(String[] args) throws Exception {
        MetadataServer server = MetadataServer.start(Path.of(args[0]), new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))).closeOnShutdown();
        System.out.println("READY " + server.port());
        System.out.flush();
        server.awaitTermination();
    }
}
