package io.tarn.rpc.tls;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and writes PEM files: X.509 certificates and PKCS#8 private keys (EC, RSA, Ed25519). */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    private Pem() {}

    /** Every certificate in a PEM file (a chain: leaf first); EINVAL naming the file if there is none. */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(file, "CERTIFICATE"))
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
        } catch (GeneralSecurityException e) {
            throw FsException.of(Errno.EINVAL, "%s: not a valid certificate: %s", file, e.getMessage());
        }
        if (out.isEmpty()) throw FsException.of(Errno.EINVAL, "%s holds no PEM certificate", file);
        return out;
    }

    /** The PKCS#8 private key ("BEGIN PRIVATE KEY") in a PEM file. */
    public static PrivateKey privateKey(Path file) {
        List<byte[]> keys = blocks(file, "PRIVATE KEY");
        if (keys.isEmpty()) throw FsException.of(Errno.EINVAL,
                "%s holds no PKCS#8 private key (BEGIN PRIVATE KEY; convert with openssl pkcs8 -topk8 -nocrypt)", file);
        for (String alg : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(keys.getFirst()));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw FsException.of(Errno.EINVAL, "%s: private key is not EC, RSA or Ed25519", file);
    }

    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static List<byte[]> blocks(Path file, String type) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw FsException.of(Errno.ENOENT, "cannot read %s: %s", file, e.getMessage());
        }
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(type)) continue;
            try {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            } catch (IllegalArgumentException e) {
                throw FsException.of(Errno.EINVAL, "%s: bad base64 in a %s block", file, type);
            }
        }
        return out;
    }
}
