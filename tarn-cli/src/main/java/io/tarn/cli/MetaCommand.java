package io.tarn.cli;

import io.tarn.server.MetadataServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tarn meta}: runs the metadata server in the foreground until killed. */
@Command(name = "meta", mixinStandardHelpOptions = true,
        description = "Run the metadata server (RocksDB in DIR) in the foreground.")
final class MetaCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Folder of the metadata store.")
    Path data;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7470", paramLabel = "HOST:PORT",
            description = "Address to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress addr = HostPort.parse(listen);
        try (MetadataServer server = MetadataServer.start(data.toAbsolutePath(), addr)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "tarn-meta-shutdown"));
            System.err.printf("tarn meta: serving %s on %s:%d%n", data.toAbsolutePath(), addr.getHostString(), server.port());
            server.awaitTermination();
        }
        return 0;
    }
}
