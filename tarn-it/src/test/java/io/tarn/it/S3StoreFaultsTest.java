package io.tarn.it;

import io.tarn.objectstore.s3.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A large copy through a mount while the object store fails: it either completes intact once the store is
 * back, or fails with EIO at fsync/close; data acknowledged before (fsynced) is never lost and no read ever
 * returns wrong bytes. Each test unmounts in every outcome.
 */
@Timeout(240)
class S3StoreFaultsTest {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int MIB = 1024 * 1024;
    @TempDir
    Path tmp;

    private Path randomFile(String name, int mib, long seed) throws IOException {
        byte[] data = new byte[mib * MIB];
        new Random(seed).nextBytes(data);
        return Files.write(tmp.resolve(name), data);
    }

    /** dd of {@code mib} MiB from src into dst at the same offset, fsync at the end; returns dd's result. */
    private static Programs.Result dd(Path src, Path dst, int skipMib, int mib) throws Exception {
        return Programs.run(T, null, List.of("dd", "if=" + src, "of=" + dst, "bs=1M", "skip=" + skipMib, "seek=" + skipMib,
                "count=" + mib, "conv=notrunc,fsync", "status=none"));
    }

    /**
     * S3Proxy is stopped after the first half of a file is fsynced; while it is down, its port resets every
     * connection (so the client's retries are seen, not guessed at); then it comes back with its objects.
     * The second half, written during the outage, must land, and the whole file must survive a remount.
     */
    @Test
    void copyCompletesAfterS3ProxyIsStoppedAndRestarted() throws Exception {
        Path src = randomFile("src", 24, 1);
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            Path creds = s3.writeCredentials(tmp, true);
            String store = s3.uri(s3.createBucket(), "t", creds);
            Path data = tmp.resolve("data"), mnt = tmp.resolve("mnt");
            // Retries outlast the outage: this test is about recovery, the next one about giving up.
            String[] args = {"--data", data.toString(), "--store", store, "-o", "retry-attempts=1000,retry-deadline=120s"};
            try (MountedVolume mv = MountedVolume.mount("out", mnt, args)) {
                Path dst = mnt.resolve("copy");
                dd(src, dst, 0, 12).ok();
                s3.stop();
                Process second;
                try (ConnectionResetter down = new ConnectionResetter(Integer.parseInt(s3.endpoint().replaceAll(".*:", "")))) {
                    second = new ProcessBuilder("dd", "if=" + src, "of=" + dst, "bs=1M", "skip=12", "seek=12", "count=12",
                            "conv=notrunc,fsync", "status=none").redirectErrorStream(true).start();
                    down.awaitConnections(3, Duration.ofSeconds(60));
                    assertTrue(second.isAlive(), "the copy cannot have finished while the store was down");
                } finally {
                    s3.restart();
                }
                assertTrue(second.waitFor(T.toSeconds(), TimeUnit.SECONDS), "copy did not finish after the store came back");
                String out = new String(second.getInputStream().readAllBytes());
                assertEquals(0, second.exitValue(), "copy failed although the store came back: " + out);
                Programs.run(T, null, List.of("cmp", src.toString(), dst.toString())).ok();
            }
            try (MountedVolume mv = MountedVolume.mount("out", mnt, args)) {
                Programs.run(T, null, List.of("cmp", src.toString(), mnt.resolve("copy").toString())).ok();
            }
        }
    }

    /**
     * With the fault-injecting store failing every call for longer than the retry deadline, a copy fails
     * with EIO (at write or fsync, never reported as success); what was fsynced before is intact; a read of
     * corrupted objects fails with EIO instead of returning the bytes; after recovery everything works.
     */
    @Test
    void failingStoreGivesEioAndLosesNothingAcknowledged() throws Exception {
        Path before = randomFile("before", 6, 2), big = randomFile("big", 20, 3);
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        Path data = tmp.resolve("data"), mnt = tmp.resolve("mnt");
        String[] args = {"--data", data.toString(), "--store", SwitchedFaultsStoreProvider.uri(storeDir),
                "-o", "retry-attempts=3,retry-deadline=2s"};
        Path fail = storeDir.resolve("FAIL"), flip = storeDir.resolve("FLIP");
        try (MountedVolume mv = MountedVolume.mount("faults", mnt, args)) {
            dd(before, mnt.resolve("before"), 0, 6).ok();
            Files.createFile(fail);
            Programs.Result r;
            try {
                r = dd(big, mnt.resolve("big"), 0, 20);
            } finally {
                Files.delete(fail);
            }
            assertNotEquals(0, r.exit(), "a copy into a dead store must not report success");
            assertTrue((r.out() + r.err()).contains("Input/output error"), "EIO expected: " + r.err());
            assertPrefixOrZeros(big, mnt.resolve("big"));
            Programs.run(T, null, List.of("cmp", before.toString(), mnt.resolve("before").toString())).ok();
            dd(big, mnt.resolve("big"), 0, 20).ok();
        }
        try (MountedVolume mv = MountedVolume.mount("faults", mnt, args)) {
            Files.createFile(flip);
            try {
                Programs.Result r = Programs.run(T, null, List.of("cat", mnt.resolve("before").toString()));
                assertNotEquals(0, r.exit(), "corrupt objects must not be read as data");
                assertTrue(r.err().contains("Input/output error"), r.err());
            } finally {
                Files.delete(flip);
            }
            Programs.run(T, null, List.of("cmp", before.toString(), mnt.resolve("before").toString())).ok();
            Programs.run(T, null, List.of("cmp", big.toString(), mnt.resolve("big").toString())).ok();
        }
    }

    /** Every MiB of {@code got} is either the same MiB of {@code want} or zeros (never written): no foreign bytes. */
    private static void assertPrefixOrZeros(Path want, Path got) throws IOException {
        byte[] w = Files.readAllBytes(want);
        byte[] g;
        try (InputStream in = Files.newInputStream(got)) {
            g = in.readAllBytes();
        }
        assertTrue(g.length <= w.length, "file grew past what was written: " + g.length);
        byte[] zeros = new byte[MIB];
        for (int off = 0; off < g.length; off += MIB) {
            int end = Math.min(g.length, off + MIB);
            boolean same = Arrays.equals(g, off, end, w, off, end);
            boolean zero = Arrays.equals(g, off, end, zeros, 0, end - off);
            assertTrue(same || zero, "MiB at " + off + " holds bytes that were never written there");
        }
    }

    /** Listens on a port of a stopped server and resets every connection, counting them. */
    private static final class ConnectionResetter implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread acceptor;
        private final Semaphore seen = new Semaphore(0);

        ConnectionResetter(int port) throws IOException {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        s.setSoLinger(true, 0); // close with RST: a store that drops connections
                        seen.release();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        void awaitConnections(int n, Duration within) throws InterruptedException {
            if (!seen.tryAcquire(n, within.toMillis(), TimeUnit.MILLISECONDS))
                fail("the client did not retry against the stopped store (" + seen.availablePermits() + " connections)");
        }

        /** Returns once the port is free again: a socket closed while a thread is in accept() lets go of its fd only when that thread leaves. */
        @Override
        public void close() throws IOException {
            socket.close();
            try {
                acceptor.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
