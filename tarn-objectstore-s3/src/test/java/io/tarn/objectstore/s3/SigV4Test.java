package io.tarn.objectstore.s3;

import org.junit.jupiter.api.Test;

import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** SigV4 against the worked example of AWS's S3 documentation (GET /test.txt with a Range, 2013-05-24). */
class SigV4Test {
    private static final String ID = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static TreeMap<String, String> headers() {
        TreeMap<String, String> h = new TreeMap<>();
        h.put("host", "examplebucket.s3.amazonaws.com");
        h.put("range", "bytes=0-9");
        h.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
        h.put("x-amz-date", "20130524T000000Z");
        return h;
    }

    @Test
    void documentedGetObjectExample() {
        String auth = new SigV4("us-east-1").authorization("GET", "/test.txt", "", headers(), ID, SECRET);
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", auth);
    }

    @Test
    void theCachedDayKeyFollowsTheSecretAndTheDay() {
        SigV4 s = new SigV4("us-east-1");
        String first = s.authorization("GET", "/test.txt", "", headers(), ID, SECRET);
        assertNotEquals(first, s.authorization("GET", "/test.txt", "", headers(), ID, SECRET + "x"));
        TreeMap<String, String> nextDay = headers();
        nextDay.put("x-amz-date", "20130525T000000Z");
        assertNotEquals(first.substring(first.indexOf("Signature=")),
                s.authorization("GET", "/test.txt", "", nextDay, ID, SECRET).substring(first.indexOf("Signature=")));
        assertEquals(first, s.authorization("GET", "/test.txt", "", headers(), ID, SECRET));
    }

    @Test
    void keysAreEncodedOncePerSegment() {
        assertEquals("a/b%20c/%C3%A9~_.-%2B", SigV4.uriEncode("a/b c/é~_.-+", true));
        assertEquals("a%2Fb", SigV4.uriEncode("a/b", false));
        assertEquals(SigV4.EMPTY_SHA256, SigV4.sha256Hex(new byte[0]));
    }
}
