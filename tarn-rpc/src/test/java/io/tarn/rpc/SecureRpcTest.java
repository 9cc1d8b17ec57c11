package io.tarn.rpc;

import io.tarn.api.Attr;
import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.SetAttr;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import io.tarn.meta.KvAccessTokens;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.rpc.tls.TestCertificates;
import io.tarn.rpc.tls.Tls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS and access tokens over real loopback connections (ADR 0100): each way of being refused gives the
 * client a clear error and the server a log line naming the peer, never the secret.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SecureRpcTest {
    private static final int O_WRONLY = 1;
    @TempDir Path tmp;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final InstantSource clock = now::get;
    private final List<AutoCloseable> closers = new ArrayList<>();
    private TestCertificates.Files certs;
    private MemoryKvStore kv;
    private LocalMetaService local;
    private KvAccessTokens tokens;
    private LogCapture log;

    @BeforeEach
    void setUp() {
        certs = TestCertificates.create(tmp.resolve("certs"), List.of("localhost", "127.0.0.1"), "test-client", Duration.ofDays(1));
        kv = new MemoryKvStore();
        local = new LocalMetaService(kv);
        tokens = new KvAccessTokens(kv, clock);
        log = new LogCapture(ServerConnection.class, TokenGuard.class);
        local.createVolume(new VolumeSpec("a", "mem://a", VolumeSpec.MIN_BLOCK_SIZE, "lz4", 0));
        local.createVolume(new VolumeSpec("b", "mem://b", VolumeSpec.MIN_BLOCK_SIZE, "lz4", 0));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closers.reversed()) c.close();
        log.close();
        local.close();
    }

    private RpcServer server(boolean tls, boolean tokensRequired) {
        RpcServer s = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0), new ServerSecurity(
                tls ? Tls.server(certs.serverCert(), certs.serverKey(), null) : null, tokens, tokensRequired));
        closers.add(s);
        return s;
    }

    private RemoteMetaService client(RpcServer s, Tls tls, String token) {
        RemoteMetaService c = RemoteMetaService.connect("127.0.0.1:" + s.port(),
                RpcOptions.defaults().withTls(tls).withToken(token).withConnectTimeout(Duration.ofSeconds(10)));
        closers.add(c);
        return c;
    }

    private Tls clientTls() {
        return Tls.client(certs.ca(), null, null);
    }

    private String token(String volume, boolean readOnly, boolean trust, int uid) {
        return tokens.createToken(new TokenSpec(volume, readOnly, 0, trust, uid, uid)).secret();
    }

    private static Ctx ctx(SessionInfo s, int uid) {
        return new Ctx(s.session(), 0, new Caller(uid, uid, new int[0], 1));
    }

    @Test
    void callsWorkOverTlsWithAToken() {
        RpcServer s = server(true, true);
        RemoteMetaService c = client(s, clientTls(), token("a", false, true, 0));
        SessionInfo session = c.openSession("a", "t");
        Attr f = c.create(ctx(session, 0), session.volume().rootIno(), "f", 0644, 0);
        assertEquals(f.ino(), c.lookup(ctx(session, 0), session.volume().rootIno(), "f").ino());
        assertEquals("a", c.grant().volume());
    }

    @Test
    void plaintextClientToTlsServerIsRefused() throws Exception {
        RpcServer s = server(true, false);
        FsException e = assertThrows(FsException.class, () -> client(s, null, null));
        assertEquals(Errno.EPROTO, e.errno());
        assertTrue(e.getMessage().contains("requires TLS"), e.getMessage());
        log.await("refusing plaintext connection from", "requires TLS");
    }

    @Test
    void tlsClientToPlaintextServerIsRefused() throws Exception {
        RpcServer s = server(false, false);
        FsException e = assertThrows(FsException.class, () -> client(s, clientTls(), null));
        assertEquals(Errno.EPROTO, e.errno());
        assertTrue(e.getMessage().contains("without TLS"), e.getMessage());
        log.await("refusing TLS connection from", "without TLS");
    }

    @Test
    void serverCertificateFromAnotherCaOrForAnotherNameIsRefused() throws Exception {
        RpcServer s = server(true, false);
        var other = TestCertificates.create(tmp.resolve("other"), List.of("localhost"), "c", Duration.ofDays(1));
        FsException e = assertThrows(FsException.class, () -> client(s, Tls.client(other.ca(), null, null), null));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("not trusted"), e.getMessage());
        log.await("TLS handshake failed");

        // Signed by the right CA but for another host: host name verification refuses it.
        var wrongName = TestCertificates.create(tmp.resolve("wrong"), List.of("db.example.org"), "c", Duration.ofDays(1));
        RpcServer s2 = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0),
                new ServerSecurity(Tls.server(wrongName.serverCert(), wrongName.serverKey(), null), null, false));
        closers.add(s2);
        FsException e2 = assertThrows(FsException.class, () -> client(s2, Tls.client(wrongName.ca(), null, null), null));
        assertEquals(Errno.EACCES, e2.errno());
        assertTrue(e2.getMessage().contains("not trusted") && e2.getMessage().contains("127.0.0.1"), e2.getMessage());
    }

    @Test
    void serverThatWantsAClientCertificateRefusesOneWithout() throws Exception {
        RpcServer s = RpcServer.start(local, new InetSocketAddress("127.0.0.1", 0), new ServerSecurity(
                Tls.server(certs.serverCert(), certs.serverKey(), certs.ca()), null, false));
        closers.add(s);
        assertThrows(FsException.class, () -> client(s, clientTls(), null));
        log.await("refusing connection from", "TLS handshake failed");
        RemoteMetaService ok = client(s, Tls.client(certs.ca(), certs.clientCert(), certs.clientKey()), null);
        assertEquals(2, ok.listVolumes().size());
    }

    @Test
    void noTokenIsRefused() throws Exception {
        RpcServer s = server(true, true);
        FsException e = assertThrows(FsException.class, () -> client(s, clientTls(), null));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("requires an access token"), e.getMessage());
        log.await("refusing connection from /127.0.0.1", "no access token presented");
    }

    @Test
    void aClientThatSkipsTheTokenGetsEaccesForEveryCall() throws Exception {
        RpcServer s = server(false, true);
        try (java.net.Socket raw = new java.net.Socket("127.0.0.1", s.port())) {
            raw.setSoTimeout(20_000);
            var out = raw.getOutputStream();
            var in = new java.io.DataInputStream(raw.getInputStream());
            out.write(new byte[]{'T', 'R', 'P', 'C', 0, Wire.VERSION_MIN, 0, Wire.VERSION_MAX, 0, 0x10, 0, 0});
            byte[] hello = in.readNBytes(Wire.SERVER_HELLO_LENGTH);
            assertEquals(Wire.FLAG_TOKEN_REQUIRED, hello[7], "the hello says a token is required");
            for (long callId = 1; callId <= 2; callId++) {
                WireOut call = WireOut.request(Op.LIST_VOLUMES);
                WireOut.putLong(call.frame(), Wire.CALL_ID_AT, callId);
                out.write(call.frame(), 0, call.length());
                byte[] reply = in.readNBytes(in.readInt());
                assertEquals(callId, WireIn.getLong(reply, 0));
                assertEquals(Wire.ERROR, reply[8]);
                FsException e = CallDispatcher.decodeError(new WireIn(reply, Wire.RESPONSE_HEADER, reply.length - Wire.RESPONSE_HEADER));
                assertEquals(Errno.EACCES, e.errno());
                assertTrue(e.getMessage().contains("requires an access token"), e.getMessage());
            }
        }
        log.await("refusing calls from /127.0.0.1", "no access token presented");
    }

    @Test
    void wrongTokenIsRefusedAndTheSecretIsNeverLogged() throws Exception {
        RpcServer s = server(true, true);
        IssuedToken real = tokens.createToken(new TokenSpec("a", false, 0, true, 0, 0));
        String wrong = real.secret().substring(0, real.secret().length() - 4) + "0000";
        if (wrong.equals(real.secret())) wrong = real.secret().substring(0, real.secret().length() - 4) + "1111";
        String presented = wrong;
        FsException e = assertThrows(FsException.class, () -> client(s, clientTls(), presented));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("unknown or its secret is wrong"), e.getMessage());
        log.await("refusing connection from", real.info().id(), "secret is wrong");
        FsException garbage = assertThrows(FsException.class, () -> client(s, clientTls(), "hunter2"));
        assertEquals(Errno.EACCES, garbage.errno());
        log.await("malformed access token");
        for (String line : log.lines()) {
            assertFalse(line.contains(presented) || line.contains(real.secret()) || line.contains("hunter2"), line);
        }
    }

    @Test
    void readOnlyTokenCannotChangeAnything() {
        RpcServer s = server(true, true);
        String admin = tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret();
        RemoteMetaService rw = client(s, clientTls(), admin);
        SessionInfo ws = rw.openSession("a", "writer");
        long root = ws.volume().rootIno();
        Attr f = rw.create(ctx(ws, 0), root, "f", 0666, O_WRONLY);
        rw.mkdir(ctx(ws, 0), root, "d", 0777);

        RemoteMetaService ro = client(s, clientTls(), token("a", true, true, 0));
        assertTrue(ro.grant().readOnly());
        SessionInfo rs = ro.openSession("a", "reader");
        Ctx c = ctx(rs, 0);
        assertEquals(f.ino(), ro.lookup(c, root, "f").ino());
        ro.release(c, ro.open(c, f.ino(), 0).ino());
        List<org.junit.jupiter.api.function.Executable> writes = List.of(
                () -> ro.create(c, root, "g", 0644, O_WRONLY),
                () -> ro.mkdir(c, root, "e", 0755),
                () -> ro.unlink(c, root, "f"),
                () -> ro.rmdir(c, root, "d"),
                () -> ro.rename(c, root, "f", root, "h", 0),
                () -> ro.setAttr(c, f.ino(), SetAttr.mode(0600)),
                () -> ro.open(c, f.ino(), O_WRONLY),
                () -> ro.symlink(c, root, "s", "f"),
                () -> ro.link(c, f.ino(), root, "l"),
                () -> ro.setXattr(c, f.ino(), "user.x", new byte[]{1}, 0),
                () -> ro.reserveBlockIds(c, 1),
                () -> ro.commitBlocks(c, f.ino(), List.of(new BlockRef(0, 1, 10, 10, 0)), 10, 1),
                () -> ro.createVolume(new VolumeSpec("c", "mem://c", VolumeSpec.MIN_BLOCK_SIZE, "lz4", 0)));
        for (var w : writes) {
            FsException e = assertThrows(FsException.class, w);
            assertTrue(e.errno() == Errno.EROFS || e.errno() == Errno.EPERM, e.toString());
            if (e.errno() == Errno.EROFS) assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
        assertEquals(List.of("f", "d").stream().sorted().toList(),
                ro.readDir(c, root, null, 100, false).entries().stream().map(x -> x.name()).sorted().toList());
    }

    @Test
    void expiredTokenIsRefusedAtConnectAndInAnOpenSession() throws Exception {
        RpcServer s = server(true, true);
        long in1h = (now.get().getEpochSecond() + 3600) * 1_000_000_000L;
        IssuedToken t = tokens.createToken(new TokenSpec("a", false, in1h, true, 0, 0));
        RemoteMetaService c = client(s, clientTls(), t.secret());
        SessionInfo session = c.openSession("a", "t");
        c.getAttr(ctx(session, 0), session.volume().rootIno());

        now.set(now.get().plus(Duration.ofHours(2)));
        FsException e = assertThrows(FsException.class, () -> c.getAttr(ctx(session, 0), session.volume().rootIno()));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("has expired"), e.getMessage());
        log.await("refusing calls from", t.info().id(), "has expired");

        FsException again = assertThrows(FsException.class, () -> client(s, clientTls(), t.secret()));
        assertEquals(Errno.EACCES, again.errno());
        assertTrue(again.getMessage().contains("has expired"), again.getMessage());
    }

    @Test
    void revokedTokenFailsOnItsNextCallAndCannotReconnect() throws Exception {
        RpcServer s = server(true, true);
        IssuedToken t = tokens.createToken(new TokenSpec("a", false, 0, true, 0, 0));
        RemoteMetaService c = client(s, clientTls(), t.secret());
        SessionInfo session = c.openSession("a", "t");
        c.mkdir(ctx(session, 0), session.volume().rootIno(), "d", 0755);

        RemoteMetaService admin = client(s, clientTls(), tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret());
        AccessToken revoked = admin.revokeToken(t.info().id());
        assertTrue(revoked.revoked());
        assertEquals("revoked", admin.listTokens("a").stream().filter(x -> x.id().equals(t.info().id())).findFirst().orElseThrow()
                .state(tokens.nowNs()));

        FsException e = assertThrows(FsException.class, () -> c.getAttr(ctx(session, 0), session.volume().rootIno()));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("was revoked"), e.getMessage());
        log.await("refusing calls from", t.info().id(), "was revoked");
        FsException again = assertThrows(FsException.class, () -> client(s, clientTls(), t.secret()));
        assertTrue(again.getMessage().contains("was revoked"), again.getMessage());
    }

    @Test
    void aTokenReachesItsOwnVolumeOnly() {
        RpcServer s = server(false, true);
        RemoteMetaService admin = client(s, null, tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret());
        SessionInfo bSession = admin.openSession("b", "admin");
        RemoteMetaService c = client(s, null, token("a", false, true, 0));
        assertEquals(List.of("a"), c.listVolumes().stream().map(VolumeInfo::name).toList());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.openSession("b", "x")).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.volume("b")).errno());
        // A session id of another volume, however it was learnt, does not open that volume.
        FsException e = assertThrows(FsException.class, () -> c.getAttr(ctx(bSession, 0), bSession.volume().rootIno()));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("not b"), e.getMessage());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.deleteVolume("b")).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class,
                () -> c.createToken(new TokenSpec("a", false, 0, true, 0, 0))).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.listTokens(null)).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.setRetention("a", 0)).errno());
        FsException proxy = assertThrows(FsException.class, () -> c.setVolumeProxy("a", "elsewhere:7480"));
        assertEquals(Errno.EPERM, proxy.errno());
        assertTrue(proxy.getMessage().contains("changing a volume's proxy group needs an admin token"), proxy.getMessage());
    }

    @Test
    void quotasAreSetByAnAdminTokenThatMayWriteAndEnforcedOverTheWire() {
        RpcServer s = server(true, true);
        RemoteMetaService admin = client(s, clientTls(), tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret());
        var set = admin.setVolumeQuota("a", 1000, 5);
        assertEquals(1000, set.quotaBytes());
        assertEquals(5, set.quotaInodes());
        RemoteMetaService readOnlyAdmin = client(s, clientTls(), tokens.createToken(new TokenSpec(null, true, 0, true, 0, 0)).secret());
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> readOnlyAdmin.setVolumeQuota("a", 0, 0)).errno());
        RemoteMetaService readOnly = client(s, clientTls(), token("a", true, true, 0));
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> readOnly.setVolumeQuota("a", 0, 0)).errno());
        RemoteMetaService tenant = client(s, clientTls(), token("a", false, true, 0));
        FsException raise = assertThrows(FsException.class, () -> tenant.setVolumeQuota("a", 1L << 40, 0));
        assertEquals(Errno.EPERM, raise.errno());
        assertTrue(raise.getMessage().contains("needs an admin token"), raise.getMessage());
        assertEquals(set, tenant.volumeQuota("a"), "a volume's token reads its quota");
        assertEquals(set, readOnly.volumeQuota("a"));
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> tenant.volumeQuota("b")).errno());
        assertEquals(set, admin.volumeQuota("a"), "the refused calls changed nothing");

        SessionInfo ts = tenant.openSession("a", "tenant");
        Attr f = tenant.create(ctx(ts, 0), ts.volume().rootIno(), "f", 0644, O_WRONLY);
        tenant.commitBlocks(ctx(ts, 0), f.ino(), List.of(new BlockRef(0, tenant.reserveBlockIds(ctx(ts, 0), 1), 1000, 10, 0)), 1000, 0);
        FsException full = assertThrows(FsException.class, () -> tenant.commitBlocks(ctx(ts, 0), f.ino(),
                List.of(new BlockRef(1, tenant.reserveBlockIds(ctx(ts, 0), 1), 1, 10, 0)), 0, 0));
        assertEquals(Errno.EDQUOT, full.errno());
        assertTrue(full.getMessage().contains("quota"), full.getMessage());
        assertEquals(1000, tenant.statFs(ctx(ts, 0)).usedBytes());
    }

    @Test
    void gcCallsReadOwnVolumeOnlyAndForgettingGarbageNeedsAnAdmin() {
        RpcServer s = server(false, true);
        RemoteMetaService admin = client(s, null, tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret());
        RemoteMetaService c = client(s, null, token("a", true, true, 0));
        assertTrue(c.liveBlocks("a", null, 10).isEmpty());
        assertTrue(c.garbage("a", c.gcHorizon("a"), null, 10).isEmpty());
        assertTrue(c.gcClients("a").reservedBelow() > 0);
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.liveBlocks("b", null, 10)).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.gcHorizon("b")).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> c.forgetGarbage("a", List.of())).errno());
        admin.forgetGarbage("b", List.of());
        assertTrue(admin.liveBlocks("b", null, 10).isEmpty());
    }

    @Test
    void callersAreSquashedUnlessTheTokenTrustsThem() {
        RpcServer s = server(false, true);
        RemoteMetaService admin = client(s, null, tokens.createToken(new TokenSpec(null, false, 0, true, 0, 0)).secret());
        SessionInfo as = admin.openSession("a", "admin");
        long root = as.volume().rootIno();
        admin.setAttr(ctx(as, 0), root, SetAttr.mode(0777));
        Attr rootOnly = admin.mkdir(ctx(as, 0), root, "private", 0700);

        RemoteMetaService squashed = client(s, null, token("a", false, false, 1234));
        SessionInfo ss = squashed.openSession("a", "squashed");
        // The client claims to be root; the server makes it uid 1234.
        Attr mine = squashed.create(ctx(ss, 0), root, "mine", 0644, O_WRONLY);
        assertEquals(1234, mine.uid());
        assertEquals(1234, mine.gid());
        assertEquals(Errno.EACCES, assertThrows(FsException.class,
                () -> squashed.create(ctx(ss, 0), rootOnly.ino(), "x", 0644, O_WRONLY)).errno());
        assertEquals(Errno.EPERM, assertThrows(FsException.class,
                () -> squashed.setAttr(ctx(ss, 0), rootOnly.ino(), SetAttr.mode(0777))).errno());

        RemoteMetaService trusted = client(s, null, token("a", false, true, 0));
        SessionInfo ts = trusted.openSession("a", "trusted");
        assertEquals(4321, trusted.create(ctx(ts, 4321), root, "theirs", 0644, O_WRONLY).uid());
        assertNull(client(server(false, false), null, null).grant());
    }
}
