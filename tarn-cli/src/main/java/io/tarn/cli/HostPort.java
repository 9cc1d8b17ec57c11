package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import java.net.InetSocketAddress;

/** Parses HOST:PORT (and [v6]:PORT) with a message a user can act on. */
final class HostPort {
    private HostPort() {}

    static InetSocketAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        try {
            if (colon <= 0) throw new NumberFormatException();
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw FsException.of(Errno.EINVAL, "not HOST:PORT: '%s'", s);
        }
    }
}
