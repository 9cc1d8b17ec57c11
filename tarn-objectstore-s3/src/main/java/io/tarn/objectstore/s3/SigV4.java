package io.tarn.objectstore.s3;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;

/**
 * AWS Signature Version 4 in the Authorization header, for the S3 requests of {@link S3DirectPath}: one
 * canonical request, one HMAC chain. The day's signing key is kept, since it only changes at midnight UTC
 * or with the secret.
 */
final class SigV4 {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final String UNSIGNED = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final HexFormat HEX = HexFormat.of();

    private final String region;
    private volatile DayKey dayKey;

    private record DayKey(String day, String secret, byte[] key) {}

    SigV4(String region) {
        this.region = region;
    }

    static String amzDate(ZonedDateTime t) {
        return AMZ_DATE.format(t.withZoneSameInstant(ZoneOffset.UTC));
    }

    /**
     * The Authorization header's value. {@code headers} are the signed headers, names in lower case and
     * sorted; they must include host, x-amz-date and x-amz-content-sha256 with the values sent.
     */
    String authorization(String method, String path, String query, SortedMap<String, String> headers,
                         String accessKeyId, String secret) {
        String amzDate = headers.get("x-amz-date");
        String day = amzDate.substring(0, 8);
        StringBuilder canonical = new StringBuilder(256).append(method).append('\n').append(path).append('\n')
                .append(query).append('\n');
        StringBuilder signed = new StringBuilder(64);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            canonical.append(h.getKey()).append(':').append(h.getValue().strip()).append('\n');
            if (!signed.isEmpty()) signed.append(';');
            signed.append(h.getKey());
        }
        canonical.append('\n').append(signed).append('\n').append(headers.get("x-amz-content-sha256"));
        String scope = day + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
        String signature = HEX.formatHex(hmac(signingKey(day, secret), toSign));
        return "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/" + scope + ",SignedHeaders=" + signed
                + ",Signature=" + signature;
    }

    private byte[] signingKey(String day, String secret) {
        DayKey k = dayKey;
        if (k != null && k.day.equals(day) && k.secret.equals(secret)) return k.key;
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        dayKey = new DayKey(day, secret, key);
        return key;
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(byte[] data) {
        return sha256Hex(ByteBuffer.wrap(data));
    }

    /** The hex SHA-256 of {@code data}'s remaining bytes, leaving its position alone. */
    static String sha256Hex(ByteBuffer data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data.duplicate());
            return HEX.formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters, and '/' when {@code keepSlash}. */
    static String uriEncode(String s, boolean keepSlash) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(b.length + 16);
        for (byte x : b) {
            int c = x & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
