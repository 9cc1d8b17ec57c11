package io.tarn.objectstore.s3;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S3OptionsTest {
    private static S3Options.Checksums of(String uri) {
        return S3Options.parse(URI.create(uri)).checksums();
    }

    @Test
    void checksumsFollowWhatTheStoreAlreadyChecks() {
        assertEquals(S3Options.Checksums.CRC32C, of("s3://bucket/p"), "AWS: the flexible checksum");
        assertEquals(S3Options.Checksums.MD5, of("s3://bucket/p?endpoint=https://s3.example.org"), "https sends no payload hash");
        assertEquals(S3Options.Checksums.NONE, of("s3://bucket/p?endpoint=http://127.0.0.1:9000"), "http: the signed payload hash is checked");
        assertEquals(S3Options.Checksums.MD5, of("s3://bucket/p?endpoint=http://127.0.0.1:9000&checksums=md5"), "asked for");
    }

    @Test
    void blocksGoDirectOnlyWhereTheDirectPathCanSpeakForTheSdk() {
        assertTrue(direct("s3://bucket/p?endpoint=http://127.0.0.1:9000"), "custom endpoint, signed payload");
        assertTrue(direct("s3://bucket/p?endpoint=https://s3.example.org"), "custom endpoint, Content-MD5");
        assertFalse(direct("s3://bucket/p"), "AWS itself: CRC32C trailers and region redirects are the SDK's");
        assertFalse(direct("s3://bucket/p?endpoint=https://s3.example.org&checksums=crc32c"), "trailers are the SDK's");
        assertFalse(direct("s3://bucket/p?endpoint=http://127.0.0.1:9000&direct-http=false"), "turned off");
    }

    private static boolean direct(String uri) {
        return S3Options.parse(URI.create(uri)).usesDirectPath();
    }
}
