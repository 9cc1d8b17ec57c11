package io.tarn.it;

import io.tarn.objectstore.LocalDirObjectStore;
import io.tarn.rpc.RemoteObjectStore;
import io.tarn.rpc.RpcOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The proxy group (ADR 0140) end to end, with real processes on loopback: {@code tarn meta} and two
 * {@code tarn proxy} with TLS and required tokens in front of one store, a volume created with
 * {@code --proxy}, and a real mount. While the store refuses every call, an fsync through the mount still
 * returns (the proxies acknowledged the blocks once staged); the blocks reach the store when it is back,
 * and a mount after {@code tarn volume set --proxy none} reads the file intact straight from the store;
 * {@code -o proxy=} picks a group for one mount.
 * Separately, a put the proxy acknowledged survives a kill -9 of the proxy before its upload.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyMountTest {
    private static final Duration T = Duration.ofSeconds(120);
    @TempDir Path tmp;

    private static long filesEndingWith(Path dir, String suffix) throws Exception {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(suffix)).count();
        }
    }

    private static long blockObjects(Path objects, String uuid) throws Exception {
        Path blocks = objects.resolve(uuid).resolve("blocks");
        if (!Files.isDirectory(blocks)) return 0;
        try (Stream<Path> s = Files.walk(blocks)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    /** Waits for a condition of the outside world (uploads draining) with a deadline; a poll interval, not a result. */
    private static void await(String what, java.util.concurrent.Callable<Boolean> done) throws Exception {
        long until = System.nanoTime() + T.toNanos();
        while (!done.call()) {
            assertTrue(System.nanoTime() < until, what);
            LockSupport.parkNanos(20_000_000);
        }
    }

    @Test
    void aVolumeMountedThroughAProxyGroupIsDurableAtTheProxiesAndReachesTheStore() throws Exception {
        Path certs = tmp.resolve("certs");
        Programs.tarn(T, "cert", "--out", certs.toString(), "--host", "localhost,127.0.0.1").ok();
        String ca = certs.resolve("ca.pem").toString();
        Path admin = tmp.resolve("admin.token");
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        String store = SwitchedFaultsStoreProvider.uri(storeDir);
        Path cache1 = tmp.resolve("proxy1"), cache2 = tmp.resolve("proxy2");
        byte[] data = new byte[10 << 20];
        new Random(11).nextBytes(data);
        Path src = Files.write(tmp.resolve("src"), data);

        try (MetaServerProcess meta = MetaServerProcess.start(tmp.resolve("meta"), "--tls-cert", certs.resolve("server.pem").toString(),
                "--tls-key", certs.resolve("server-key.pem").toString(), "--auth", "token", "--admin-token-file", admin.toString());
             ProxyProcess p1 = ProxyProcess.start(proxyArgs(store, cache1, certs, meta.address()));
             ProxyProcess p2 = ProxyProcess.start(proxyArgs(store, cache2, certs, meta.address()))) {
            String[] server = {"--meta", meta.address(), "--tls-ca", ca};
            String group = p1.address() + "," + p2.address();
            Programs.tarn(T, concat(List.of("volume", "create", "v", "--store", store, "--proxy", group, "--token-file", admin.toString()), server)).ok();
            String info = Programs.tarn(T, concat(List.of("volume", "info", "v", "--token-file", admin.toString()), server)).ok().out();
            assertTrue(info.contains("proxy:       " + group), info);
            String uuid = info.lines().filter(l -> l.startsWith("uuid:")).findFirst().orElseThrow().substring(5).strip();
            Path token = tmp.resolve("v.token");
            Programs.tarn(T, concat(List.of("token", "create", "v", "--trust-uids", "--out", token.toString(), "--token-file", admin.toString()), server)).ok();
            String clientOptions = "token-file=" + token + ",tls-ca=" + ca;

            Path mnt = tmp.resolve("mnt");
            Path fail = storeDir.resolve("FAIL");
            try (MountedVolume mv = MountedVolume.mount("v", mnt, "--meta", meta.address(), "-o", clientOptions)) {
                assertTrue(mv.logText().contains("through proxy group " + group), mv.logText());
                Files.createFile(fail); // from here on the store refuses every call: only the proxies can acknowledge
                Programs.run(T, null, List.of("dd", "if=" + src, "of=" + mnt.resolve("f"), "bs=1M", "conv=fsync", "status=none")).ok();
                long staged = filesEndingWith(cache1, ".wb") + filesEndingWith(cache2, ".wb");
                assertTrue(staged >= 3, "a 10 MiB file in 4 MiB blocks is staged on the proxies: " + staged);
                assertEquals(0, blockObjects(storeDir.resolve("objects"), uuid), "nothing reached the store while it refused");
                Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("f").toString())).ok();
                Files.delete(fail);
                await("the proxies never uploaded their staged blocks:\n" + p1.logText() + p2.logText(),
                        () -> filesEndingWith(cache1, ".wb") + filesEndingWith(cache2, ".wb") == 0);
                assertTrue(blockObjects(storeDir.resolve("objects"), uuid) >= 3, "the blocks are in the store");
            } finally {
                Files.deleteIfExists(fail);
            }
            // The volume set to go straight to the store, past the proxies: the bytes there are the file.
            String set = Programs.tarn(T, concat(List.of("volume", "set", "v", "--proxy", "none", "--token-file", admin.toString()), server)).ok().out();
            assertTrue(set.contains("volume v: proxy group none"), set);
            try (MountedVolume direct = MountedVolume.mount("v", mnt, "--meta", meta.address(), "-o", clientOptions)) {
                assertFalse(direct.logText().contains("through proxy group"), direct.logText());
                Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("f").toString())).ok();
            }
            // A mount option chooses a group for one mount, whatever the volume says.
            try (MountedVolume again = MountedVolume.mount("v", mnt, "--meta", meta.address(), "-o",
                    clientOptions + ",proxy=" + p2.address() + "+" + p1.address())) {
                assertTrue(again.logText().contains("through proxy group " + p2.address() + "," + p1.address()), again.logText());
                Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("f").toString())).ok();
            }
            assertTrue(p1.logText().contains("access tokens checked with " + meta.address()), p1.logText());
        }
    }

    private static String[] proxyArgs(String store, Path cache, Path certs, String meta) {
        return new String[]{"--store", store, "--cache-dir", cache.toString(), "--tls-cert", certs.resolve("server.pem").toString(),
                "--tls-key", certs.resolve("server-key.pem").toString(), "--meta", meta, "--tls-ca", certs.resolve("ca.pem").toString(),
                "--auth", "token"};
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** {@code tarn upgrade} of a mount whose volume has a proxy group: the successor sends its blocks through the group too. */
    @Test
    void anUpgradedMountKeepsSendingBlocksThroughTheProxy() throws Exception {
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        String store = storeDir.toUri().toString();
        String data = tmp.resolve("data").toString();
        Path mnt = tmp.resolve("mnt");
        byte[] before = new byte[5 << 20], after = new byte[5 << 20];
        new Random(5).nextBytes(before);
        new Random(6).nextBytes(after);
        try (ProxyProcess proxy = ProxyProcess.start("--store", store, "--cache-dir", tmp.resolve("cache").toString())) {
            Programs.tarn(T, "volume", "create", "v", "--data", data, "--store", store, "--proxy", proxy.address()).ok();
            try (MountedVolume mv = MountedVolume.mount("v", mnt, "--data", data)) {
                try {
                    assertTrue(mv.logText().contains("through proxy group " + proxy.address()), mv.logText());
                    Files.write(mnt.resolve("before"), before);
                    long firstPid = UpgradeTest.awaitRecord(mnt, -1);
                    String out = Programs.tarn(T, "upgrade", mnt.toString()).ok().out();
                    UpgradeTest.awaitRecord(mnt, firstPid);
                    Path successorLog = Path.of(out.substring(out.indexOf("log ") + 4, out.lastIndexOf(')')));
                    assertTrue(Files.readString(successorLog).contains("go through proxy group " + proxy.address()),
                            Files.readString(successorLog));
                    Files.write(mnt.resolve("after"), after);
                    Programs.run(T, null, List.of("sync", mnt.resolve("after").toString())).ok();
                    assertArrayEquals(before, Files.readAllBytes(mnt.resolve("before")));
                    assertArrayEquals(after, Files.readAllBytes(mnt.resolve("after")));
                } finally {
                    UpgradeTest.stopSuccessor(mnt);
                }
            }
            // Both files' blocks went through the proxy; once it has uploaded them, a direct mount reads them from the store.
            Path cache = tmp.resolve("cache");
            await("the proxy never uploaded its staged blocks:\n" + proxy.logText(), () -> filesEndingWith(cache, ".wb") == 0);
            Programs.tarn(T, "volume", "set", "v", "--data", data, "--proxy", "none").ok();
            try (MountedVolume direct = MountedVolume.mount("v", mnt, "--data", data)) {
                assertArrayEquals(before, Files.readAllBytes(mnt.resolve("before")));
                assertArrayEquals(after, Files.readAllBytes(mnt.resolve("after")));
            }
            assertTrue(proxy.logText().contains("serving " + store), proxy.logText());
        }
    }

    @Test
    void aMountWhoseProxyCannotBeReachedIsRefusedWithOneLine() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        BadInputTest.oneLineError(Programs.tarn(T, "mount", "--foreground", "--data", tmp.resolve("data").toString(),
                "-o", "proxy=127.0.0.1:" + closedPort, "v", mnt.toString()), "cannot connect to proxy 127.0.0.1:" + closedPort);
        BadInputTest.oneLineError(Programs.tarn(T, "mount", "--foreground", "--data", tmp.resolve("data").toString(),
                "-o", "proxy=nowhere", "v", mnt.toString()), "HOST:PORT");
        assertFalse(io.tarn.fuse.mount.MountTable.find(mnt).isPresent());
    }

    @Test
    void aPutTheProxyAcknowledgedSurvivesAKillBeforeItsUpload() throws Exception {
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        Path cache = tmp.resolve("cache");
        Path fail = Files.createFile(storeDir.resolve("FAIL")); // the store refuses every call until deleted
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        String key = "0f3c-volume/blocks/01/0000000000000001";
        try (ProxyProcess proxy = ProxyProcess.start("--store", SwitchedFaultsStoreProvider.uri(storeDir), "--cache-dir", cache.toString())) {
            try (RemoteObjectStore client = RemoteObjectStore.connect(proxy.address(), RpcOptions.defaults())) {
                client.put(key, ByteBuffer.wrap(data)); // returns once staged and synced on the proxy's disk
            }
            assertEquals(1, filesEndingWith(cache, ".wb"), "the acknowledged object is staged");
            proxy.kill9();
            Files.delete(fail);
            LocalDirObjectStore objects = new LocalDirObjectStore(storeDir.resolve("objects"));
            assertTrue(objects.get(key, 0, -1).isEmpty(), "the killed proxy never uploaded it");

            proxy.restart();
            await("the restarted proxy never uploaded the staged object:\n" + proxy.logText(), () -> objects.get(key, 0, -1).isPresent());
            ByteBuffer got = objects.get(key, 0, -1).orElseThrow();
            byte[] back = new byte[got.remaining()];
            got.get(back);
            assertArrayEquals(data, back);
            await("the staged file is removed after the upload", () -> filesEndingWith(cache, ".wb") == 0);
            assertTrue(proxy.logText().contains("staged objects"), proxy.logText());
        }
    }
}
