package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.AccessTokens;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvStore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens in the metadata store (key {@code T id}, ADR 0100). A token is
 * {@code tarn_<16 hex id>_<64 hex secret>}; the store keeps the SHA-256 of the whole string, which is
 * enough for 256 random bits (no password stretching needed), compared in constant time. Records are
 * cached after their first use; this process holds the store alone (RocksDB locks it), so every
 * revocation passes through here and the cache is never stale: a revoked token fails on its next call.
 */
public final class KvAccessTokens implements AccessTokens {
    private static final byte FORMAT = 1;
    private static final String PREFIX = "tarn_";
    private static final int ID_HEX = 16, SECRET_HEX = 64, LENGTH = PREFIX.length() + ID_HEX + 1 + SECRET_HEX;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private record Stored(AccessToken token, byte[] hash, long volumeId) {}

    private final KvStore kv;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Stored> cache = new ConcurrentHashMap<>();

    public KvAccessTokens(KvStore kv, InstantSource clock) {
        this.kv = kv;
        this.clock = clock;
    }

    @Override
    public long nowNs() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public IssuedToken createToken(TokenSpec spec) {
        String id = HEX.formatHex(random(ID_HEX / 2));
        String secret = PREFIX + id + "_" + HEX.formatHex(random(SECRET_HEX / 2));
        long now = nowNs();
        AccessToken t = new AccessToken(id, spec.volume(), spec.readOnly(), spec.expiresNs(), spec.trustUids(),
                spec.uid(), spec.gid(), now, 0);
        Stored s = kv.write(w -> {
            long vol = spec.volume() == null ? -1 : Volumes.byName(w, spec.volume()).id();
            if (w.get(Keys.token(id)) != null) throw FsException.of(Errno.EEXIST, "token id %s collides; try again", id);
            Stored rec = new Stored(t, sha256(secret), vol);
            w.put(Keys.token(id), encode(rec));
            return rec;
        });
        cache.put(id, s);
        return new IssuedToken(t, secret);
    }

    @Override
    public List<AccessToken> listTokens(String volume) {
        byte[] from = {Keys.TOKEN};
        return kv.read(r -> {
            List<AccessToken> out = new ArrayList<>();
            for (KvEntry e : r.scan(from, Keys.end(from), Integer.MAX_VALUE)) {
                AccessToken t = decode(e.value()).token();
                if (volume == null || volume.equals(t.volume())) out.add(t);
            }
            return out;
        });
    }

    @Override
    public AccessToken revokeToken(String id) {
        Stored s = kv.write(w -> {
            byte[] v = id == null ? null : w.get(Keys.token(id));
            if (v == null) throw FsException.of(Errno.ENOENT, "no access token %s", id);
            Stored old = decode(v);
            if (old.token().revoked()) return old;
            Stored now = new Stored(old.token().revokedAt(nowNs()), old.hash(), old.volumeId());
            w.put(Keys.token(id), encode(now));
            return now;
        });
        cache.put(id, s);
        return s.token();
    }

    @Override
    public AccessToken verify(String presented) {
        if (presented == null || presented.isBlank()) throw FsException.of(Errno.EACCES, "no access token presented");
        String p = presented.strip();
        if (p.length() != LENGTH || !p.startsWith(PREFIX) || p.charAt(PREFIX.length() + ID_HEX) != '_')
            throw FsException.of(Errno.EACCES, "malformed access token (expected tarn_<id>_<secret>)");
        String id = p.substring(PREFIX.length(), PREFIX.length() + ID_HEX);
        Stored s = load(id);
        if (s == null || !MessageDigest.isEqual(s.hash(), sha256(p)))
            throw FsException.of(Errno.EACCES, "access token %s is unknown or its secret is wrong", id);
        AccessToken t = s.token();
        if (t.revoked()) throw FsException.of(Errno.EACCES, "access token %s was revoked", id);
        if (t.expiredAt(nowNs())) throw FsException.of(Errno.EACCES, "access token %s has expired", id);
        if (!t.admin()) {
            // A token dies with its volume: a later volume of the same name is another volume.
            Long current = kv.read(r -> {
                byte[] v = r.get(Keys.volumeName(t.volume()));
                return v == null ? null : Keys.toLong(v);
            });
            if (current == null || current != s.volumeId())
                throw FsException.of(Errno.EACCES, "access token %s is for volume %s, which was deleted", id, t.volume());
        }
        return t;
    }

    @Override
    public AccessToken current(String id) {
        Stored s = load(id);
        return s == null ? null : s.token();
    }

    @Override
    public String sessionVolume(long session) {
        return kv.read(r -> {
            SessionRecord s = Sessions.get(r, session);
            long vol;
            if (s != null) {
                vol = s.volume();
            } else {
                // A time-travel view is pinned, not a session record; a restarted server resumes it (ADR 0081).
                byte[] pin = r.get(Keys.viewPin(session));
                if (pin == null) return null;
                vol = Keys.longAt(pin, 0);
            }
            VolumeRecord v = Volumes.byId(r, vol);
            return v == null ? null : v.name();
        });
    }

    private Stored load(String id) {
        Stored s = cache.get(id);
        if (s != null) return s;
        s = kv.read(r -> {
            byte[] v = r.get(Keys.token(id));
            return v == null ? null : decode(v);
        });
        if (s != null) cache.putIfAbsent(id, s);
        return s;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encode(Stored s) {
        AccessToken t = s.token();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeUTF(t.id());
            out.writeBoolean(t.volume() != null);
            if (t.volume() != null) out.writeUTF(t.volume());
            out.writeLong(s.volumeId());
            out.writeBoolean(t.readOnly());
            out.writeLong(t.expiresNs());
            out.writeBoolean(t.trustUids());
            out.writeInt(t.uid());
            out.writeInt(t.gid());
            out.writeLong(t.createdNs());
            out.writeLong(t.revokedNs());
            out.write(s.hash());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stored decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            if (in.readByte() != FORMAT) throw FsException.of(Errno.EIO, "unknown access token record format");
            String id = in.readUTF();
            String volume = in.readBoolean() ? in.readUTF() : null;
            long volumeId = in.readLong();
            boolean readOnly = in.readBoolean();
            long expires = in.readLong();
            boolean trust = in.readBoolean();
            int uid = in.readInt(), gid = in.readInt();
            long created = in.readLong(), revoked = in.readLong();
            byte[] hash = in.readNBytes(32);
            if (hash.length != 32) throw new IOException("short hash");
            return new Stored(new AccessToken(id, volume, readOnly, expires, trust, uid, gid, created, revoked), hash, volumeId);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt access token record", e);
        }
    }
}
