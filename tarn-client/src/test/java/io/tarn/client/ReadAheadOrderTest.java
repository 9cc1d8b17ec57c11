package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel sends a sequential reader's READs several at once and the daemon's workers take them in
 * any order: read-ahead must still see a sequential reader and open its window, not start over at each
 * READ that arrives before the one it follows.
 */
@Timeout(60)
class ReadAheadOrderTest {
    private static final int BLOCKS = 32, CHUNK = 64 << 10;
    private final VfsFixture fx = new VfsFixture("none");

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void readsTakenOutOfOrderStillOpenTheReadAheadWindow() throws Exception {
        byte[] data = pattern(BLOCKS * BLOCK, 9);
        TarnVfs w = fx.client();
        Vfs.Created f = w.create(Caller.ROOT, w.rootIno(), "seq", 0644, OpenFlags.O_WRONLY);
        w.write(f.fh(), 0, buf(data));
        w.release(f.fh());

        // A reader whose store tells which objects it was asked for.
        Set<String> fetched = ConcurrentHashMap.newKeySet();
        ObjectStore seen = (ObjectStore) Proxy.newProxyInstance(ObjectStore.class.getClassLoader(), new Class<?>[]{ObjectStore.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("get")) fetched.add((String) args[0]);
                    try {
                        return m.invoke(fx.store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        TarnVfs r = new TarnVfs(fx.meta, seen, "v", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST));
        fx.clients.add(r);
        long fh = r.open(Caller.ROOT, f.attr().ino(), OpenFlags.O_RDONLY);
        // The first four blocks, in CHUNK reads whose neighbours arrive swapped (1, 0, 3, 2, ...).
        int reads = 4 * BLOCK / CHUNK;
        for (int i = 0; i < reads; i += 2) {
            for (int k : new int[]{i + 1, i}) {
                long off = (long) k * CHUNK;
                assertArrayEquals(java.util.Arrays.copyOfRange(data, (int) off, (int) off + CHUNK), bytes(r.read(fh, off, CHUNK)));
            }
        }
        // The window doubles as the reader enters each new block, so blocks far past the fourth are
        // fetched ahead; a reader treated as random at every swap would keep it at two blocks.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (fetched.size() < 12 && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        assertTrue(fetched.size() >= 12, "blocks fetched: " + fetched.size());
        r.release(fh);
    }
}
