package io.tarn.rpc.tls;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A TLS 1.3 setup from PEM files, for either end of a connection. A client checks the server's
 * certificate against its CA and the host name it dialled (subject alternative names, DNS or IP); a
 * server built with a client CA requires a client certificate signed by it. Sockets are wrapped after
 * the TCP connect, so timeouts and {@code TCP_NODELAY} stay the caller's.
 */
public final class Tls {
    private static final String[] PROTOCOLS = {"TLSv1.3"};
    private final SSLContext context;
    private final boolean needClientCert;
    private final String describe;

    private Tls(SSLContext context, boolean needClientCert, String describe) {
        this.context = context;
        this.needClientCert = needClientCert;
        this.describe = describe;
    }

    /** A server end: its certificate chain and key; with {@code clientCa} (may be null) clients must show a certificate it signed. */
    public static Tls server(Path certChain, Path key, Path clientCa) {
        return new Tls(context(keys(certChain, key), clientCa == null ? null : trust(clientCa)), clientCa != null,
                "certificate " + certChain + (clientCa == null ? "" : ", client CA " + clientCa));
    }

    /** A client end trusting {@code ca}; {@code cert} and {@code key} (both or neither) for servers that require a client certificate. */
    public static Tls client(Path ca, Path cert, Path key) {
        if ((cert == null) != (key == null))
            throw FsException.of(Errno.EINVAL, "a client certificate needs both its certificate and its key file");
        return new Tls(context(cert == null ? null : keys(cert, key), trust(ca)), false, "CA " + ca);
    }

    @Override
    public String toString() {
        return "TLS 1.3 (" + describe + ")";
    }

    /**
     * Runs the client handshake over a connected socket, checking that the certificate names {@code host};
     * the socket's read timeout bounds it. On failure the plain socket is closed.
     */
    public SSLSocket connect(Socket plain, String host, int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Runs the server handshake over an accepted socket whose first bytes {@code consumed} were already read. */
    public SSLSocket accept(Socket plain, byte[] consumed) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, new ByteArrayInputStream(consumed), true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setNeedClientAuth(needClientCert);
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** True if the handshake failed because the peer's certificate was not accepted (untrusted, wrong name, expired). */
    public static boolean certificateRejected(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof CertificateException) return true;
        String m = String.valueOf(e.getMessage());
        return e instanceof SSLHandshakeException && (m.contains("PKIX") || m.contains("certificate"));
    }

    /** The first byte of a TLS connection: a handshake record. */
    public static boolean looksLikeTls(int firstByte) {
        return firstByte == 0x16;
    }

    private static SSLContext context(KeyManagerFactory keys, TrustManagerFactory trust) {
        try {
            SSLContext c = SSLContext.getInstance("TLSv1.3");
            c.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw FsException.of(Errno.EINVAL, "cannot set up TLS: %s", e.getMessage());
        }
    }

    private static KeyManagerFactory keys(Path certChain, Path keyFile) {
        List<X509Certificate> chain = Pem.certificates(certChain);
        PrivateKey key = Pem.privateKey(keyFile);
        try {
            char[] pass = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("tarn", key, pass, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pass);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw FsException.of(Errno.EINVAL, "%s and %s do not make a usable key pair: %s", certChain, keyFile, e.getMessage());
        }
    }

    private static TrustManagerFactory trust(Path caFile) {
        List<X509Certificate> cas = Pem.certificates(caFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) ks.setCertificateEntry("ca" + i, cas.get(i));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw FsException.of(Errno.EINVAL, "%s is not a usable CA file: %s", caFile, e.getMessage());
        }
    }
}
