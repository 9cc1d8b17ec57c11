package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeSpec;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.api.kv.KvEntry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvAccessTokensTest {
    private final MemoryKvStore kv = new MemoryKvStore();
    private final MutableClock clock = new MutableClock();
    private final LocalMetaService meta = new LocalMetaService(kv, clock);

    private void volume(String name) {
        meta.createVolume(new VolumeSpec(name, "mem://" + name, VolumeSpec.MIN_BLOCK_SIZE, "lz4", 0));
    }

    @Test
    void theStoreKeepsAHashNotTheSecretAndAnotherInstanceVerifiesIt() {
        volume("a");
        IssuedToken t = new KvAccessTokens(kv, clock).createToken(new TokenSpec("a", true, 0, false, 1000, 100));
        assertTrue(t.secret().startsWith("tarn_" + t.info().id() + "_"), t.secret());
        String secretHex = t.secret().substring(t.secret().lastIndexOf('_') + 1);
        byte[] secretBytes = HexFormat.of().parseHex(secretHex);
        List<KvEntry> all = kv.read(r -> r.scan(new byte[0], null, Integer.MAX_VALUE));
        for (KvEntry e : all) {
            String asText = new String(e.value(), StandardCharsets.ISO_8859_1);
            assertFalse(asText.contains(secretHex), "secret stored as text");
            assertFalse(asText.contains(new String(secretBytes, StandardCharsets.ISO_8859_1)), "secret stored as bytes");
        }
        // A fresh instance (a restarted server) has no cache: it reads the record.
        AccessToken v = new KvAccessTokens(kv, clock).verify(t.secret());
        assertEquals(t.info(), v);
        assertEquals("volume a, read-only, callers squashed to uid 1000 gid 100", v.describe());
    }

    @Test
    void revokedExpiredAndOrphanedTokensAreRefused() {
        volume("a");
        KvAccessTokens tokens = new KvAccessTokens(kv, clock);
        long in30d = tokens.nowNs() + Duration.ofDays(30).toNanos();
        IssuedToken expiring = tokens.createToken(new TokenSpec("a", false, in30d, true, 0, 0));
        IssuedToken revoked = tokens.createToken(new TokenSpec("a", false, 0, true, 0, 0));
        IssuedToken orphan = tokens.createToken(new TokenSpec("a", false, 0, true, 0, 0));
        tokens.verify(expiring.secret());
        AccessToken r1 = tokens.revokeToken(revoked.info().id());
        assertEquals(r1, tokens.revokeToken(revoked.info().id()), "revoking twice changes nothing");
        assertTrue(new KvAccessTokens(kv, clock).current(revoked.info().id()).revoked(), "revocation is durable");
        assertTrue(message(() -> tokens.verify(revoked.secret())).contains("was revoked"));

        clock.advance(Duration.ofDays(31));
        assertTrue(message(() -> tokens.verify(expiring.secret())).contains("has expired"));
        assertEquals("expired", tokens.current(expiring.info().id()).state(tokens.nowNs()));

        meta.deleteVolume("a");
        volume("a"); // same name, another volume
        assertTrue(message(() -> tokens.verify(orphan.secret())).contains("was deleted"));
        assertEquals(3, tokens.listTokens("a").size());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tokens.revokeToken("0123456789abcdef")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class,
                () -> tokens.createToken(new TokenSpec("nope", false, 0, true, 0, 0))).errno());
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        FsException x = assertThrows(FsException.class, e);
        assertEquals(Errno.EACCES, x.errno());
        return x.getMessage();
    }
}
