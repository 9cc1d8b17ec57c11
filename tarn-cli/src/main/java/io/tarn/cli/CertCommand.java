package io.tarn.cli;

import io.tarn.rpc.tls.TestCertificates;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tarn cert}: a self-signed CA and server and client certificates for a test deployment (ADR 0100). */
@Command(name = "cert", mixinStandardHelpOptions = true,
        description = "Make a self-signed CA, a server certificate and a client certificate (PEM) for a test deployment.")
final class CertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the files; existing files are never overwritten.")
    Path out;
    @Option(names = "--host", split = ",", paramLabel = "NAME",
            description = "Host names and IP addresses the server certificate is valid for (default: localhost, 127.0.0.1, ::1 and this host's name).")
    List<String> hosts = new ArrayList<>();
    @Option(names = "--client", defaultValue = "tarn-client", paramLabel = "NAME", description = "Common name of the client certificate (default: ${DEFAULT-VALUE}).")
    String client;
    @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>(hosts);
        if (names.isEmpty()) {
            names.addAll(List.of("localhost", "127.0.0.1", "::1"));
            String self = InetAddress.getLocalHost().getHostName();
            if (!names.contains(self)) names.add(self);
        }
        if (days < 1) throw io.tarn.api.FsException.of(io.tarn.api.Errno.EINVAL, "--days must be at least 1");
        Path dir = out.toAbsolutePath();
        TestCertificates.Files f = TestCertificates.create(dir, names, client, Duration.ofDays(days));
        var o = spec.commandLine().getOut();
        o.printf("CA:     %s (key %s: keep it offline)%n", f.ca(), f.caKey());
        o.printf("server: %s, key %s, for %s%n", f.serverCert(), f.serverKey(), String.join(", ", names));
        o.printf("client: %s, key %s%n", f.clientCert(), f.clientKey());
        o.printf("next steps:%n");
        o.printf("  tarn meta --data DIR --listen 0.0.0.0:7470 --tls-cert %s --tls-key %s%n", f.serverCert(), f.serverKey());
        o.printf("  tarn volume list --meta %s:7470 --tls-ca %s --token-file DIR.admin-token%n", names.getFirst(), f.ca());
        return 0;
    }
}
