package io.tarn.rpc.tls;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A self-signed CA and certificates signed by it, for a test deployment ({@code tarn cert}) and tests:
 * EC P-256 keys, SHA-256 signatures. Production deployments should bring certificates from their own PKI.
 */
public final class TestCertificates {
    private static final Pattern IP = Pattern.compile("[0-9.]+|.*:.*");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The files written; key files have mode 0600. */
    public record Files(Path ca, Path caKey, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {}

    private TestCertificates() {}

    /**
     * Writes {@code ca.pem}, {@code ca-key.pem}, {@code server.pem}, {@code server-key.pem},
     * {@code client.pem} and {@code client-key.pem} into {@code dir} (created if needed). The server
     * certificate names every entry of {@code serverNames} (host names or IP addresses); the client
     * certificate is for {@code clientName}. EEXIST, touching nothing, if any of the files exists.
     */
    public static Files create(Path dir, List<String> serverNames, String clientName, Duration validity) {
        if (serverNames.isEmpty()) throw FsException.of(Errno.EINVAL, "a server certificate needs at least one host name");
        Files f = new Files(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"), dir.resolve("client.pem"), dir.resolve("client-key.pem"));
        for (Path p : List.of(f.ca(), f.caKey(), f.serverCert(), f.serverKey(), f.clientCert(), f.clientKey()))
            if (java.nio.file.Files.exists(p)) throw FsException.of(Errno.EEXIST, "%s exists; not overwriting any certificate", p);
        try {
            java.nio.file.Files.createDirectories(dir);
            Instant now = Instant.now();
            KeyPair caKeys = ecKeys(), serverKeys = ecKeys(), clientKeys = ecKeys();
            X500Name caName = new X500Name("CN=Tarn test CA " + now.getEpochSecond());
            X509Certificate ca = sign(caName, caName, caKeys, caKeys, null, now, validity, true, null);
            X509Certificate server = sign(caName, new X500Name("CN=" + serverNames.getFirst()), serverKeys, caKeys, ca, now,
                    validity, false, serverNames);
            X509Certificate client = sign(caName, new X500Name("CN=" + clientName), clientKeys, caKeys, ca, now, validity,
                    false, null);
            write(f.ca(), Pem.encode("CERTIFICATE", ca.getEncoded()), false);
            write(f.caKey(), Pem.encode("PRIVATE KEY", caKeys.getPrivate().getEncoded()), true);
            write(f.serverCert(), Pem.encode("CERTIFICATE", server.getEncoded()), false);
            write(f.serverKey(), Pem.encode("PRIVATE KEY", serverKeys.getPrivate().getEncoded()), true);
            write(f.clientCert(), Pem.encode("CERTIFICATE", client.getEncoded()), false);
            write(f.clientKey(), Pem.encode("PRIVATE KEY", clientKeys.getPrivate().getEncoded()), true);
            return f;
        } catch (FileAlreadyExistsException e) {
            throw FsException.of(Errno.EEXIST, "%s exists; not overwriting any certificate", e.getFile());
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "cannot write certificates to %s: %s", dir, e.getMessage());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw FsException.of(Errno.EIO, "cannot make certificates: %s", e.getMessage());
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys,
                                        X509Certificate issuerCert, Instant now, Duration validity, boolean isCa,
                                        List<String> serverNames)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, subjectKeys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        if (isCa) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerCert));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    serverNames != null ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
        }
        if (serverNames != null) {
            List<GeneralName> names = new ArrayList<>();
            for (String n : serverNames)
                names.add(new GeneralName(IP.matcher(n).matches() ? GeneralName.iPAddress : GeneralName.dNSName, n));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static void write(Path p, String pem, boolean secret) throws IOException {
        // A key file is private from its first byte, not chmod-ed after being written.
        java.nio.file.Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        java.nio.file.Files.writeString(p, pem, StandardOpenOption.WRITE);
    }
}
