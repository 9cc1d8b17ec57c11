package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.rpc.tls.Tls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The TLS options of a server command (`tarn meta`, `tarn proxy`), shared as a picocli mixin. */
final class ServerTlsOptions {
    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve TLS 1.3 only, with this certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Private key of --tls-cert (PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "FILE", description = "Also require client certificates signed by this CA (PEM).")
    Path tlsClientCa;

    /** The server's TLS setup, or null for plain TCP; EINVAL for an incomplete set of options. */
    Tls tls() {
        if ((tlsCert == null) != (tlsKey == null)) throw FsException.of(Errno.EINVAL, "give --tls-cert and --tls-key together");
        if (tlsClientCa != null && tlsCert == null) throw FsException.of(Errno.EINVAL, "--tls-client-ca needs --tls-cert and --tls-key");
        return tlsCert == null ? null : Tls.server(tlsCert.toAbsolutePath(), tlsKey.toAbsolutePath(),
                tlsClientCa == null ? null : tlsClientCa.toAbsolutePath());
    }
}
