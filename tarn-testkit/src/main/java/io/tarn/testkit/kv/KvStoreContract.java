package io.tarn.testkit.kv;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link KvStore} promises: byte-ordered scans, read-your-writes, all-or-nothing writes,
 * serializable concurrent writes, consistent snapshots, and (for persistent engines) durability
 * across a reopen. Subclasses supply {@link #open}.
 */
public abstract class KvStoreContract {
    @TempDir
    protected Path dir;
    protected KvStore kv;

    /** Opens the engine over {@code dir}; called again on the same dir to test durability. */
    protected abstract KvStore open(Path dir) throws Exception;

    /** Whether data written before {@link KvStore#close} is there after {@link #open} on the same dir. */
    protected boolean persistent() {
        return true;
    }

    @BeforeEach
    void openStore() throws Exception {
        kv = open(dir);
    }

    @AfterEach
    void closeStore() {
        if (kv != null) kv.close();
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> keys(List<KvEntry> entries) {
        return entries.stream().map(e -> s(e.key())).toList();
    }

    private void put(String k, String v) {
        kv.write(w -> {
            w.put(b(k), b(v));
            return null;
        });
    }

    @Test
    void putGetDelete() {
        assertNull(kv.read(r -> r.get(b("a"))));
        put("a", "1");
        assertEquals("1", s(kv.read(r -> r.get(b("a")))));
        put("a", "2");
        assertEquals("2", s(kv.read(r -> r.get(b("a")))));
        kv.write(w -> {
            w.delete(b("a"));
            w.delete(b("never-there"));
            return null;
        });
        assertNull(kv.read(r -> r.get(b("a"))));
    }

    @Test
    void emptyAndLargeValues() {
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        kv.write(w -> {
            w.put(b("empty"), new byte[0]);
            w.put(b("big"), big);
            return null;
        });
        assertArrayEquals(new byte[0], kv.read(r -> r.get(b("empty"))));
        assertArrayEquals(big, kv.read(r -> r.get(b("big"))));
    }

    @Test
    void returnedArraysAreCopies() {
        byte[] value = b("abc");
        kv.write(w -> {
            w.put(b("k"), value);
            return null;
        });
        value[0] = 'X';
        byte[] got = kv.read(r -> r.get(b("k")));
        assertEquals("abc", s(got));
        got[0] = 'Y';
        assertEquals("abc", s(kv.read(r -> r.get(b("k")))));
    }

    @Test
    void scansInUnsignedByteOrderWithinBounds() {
        kv.write(w -> {
            for (int x : new int[]{0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff}) w.put(new byte[]{'p', (byte) x}, new byte[]{(byte) x});
            w.put(b("o"), b("before"));
            w.put(b("q"), b("after"));
            return null;
        });
        List<KvEntry> all = kv.read(r -> r.scan(b("p"), b("q"), 100));
        assertEquals(6, all.size());
        int prev = -1;
        for (KvEntry e : all) {
            int x = e.key()[1] & 0xff;
            assertTrue(x > prev, "unsigned order");
            assertEquals((byte) x, e.value()[0]);
            prev = x;
        }
        assertEquals(3, kv.read(r -> r.scan(b("p"), b("q"), 3)).size());
        assertEquals(0x7f, kv.read(r -> r.scan(new byte[]{'p', 0x7f}, new byte[]{'p', (byte) 0x80}, 10)).getFirst().key()[1]);
        assertEquals(List.of("q"), keys(kv.read(r -> r.scan(b("q"), null, 10))));
        assertEquals(8, kv.read(r -> r.scan(new byte[0], null, 100)).size());
        assertTrue(kv.read(r -> r.scan(b("x"), b("y"), 10)).isEmpty());
        assertTrue(kv.read(r -> r.scan(b("a"), b("z"), 0)).isEmpty());
    }

    @Test
    void transactionReadsItsOwnWritesIncludingScans() {
        put("d/1", "x");
        put("d/3", "x");
        put("d/5", "x");
        List<String> seen = kv.write(w -> {
            w.put(b("d/2"), b("y"));
            w.delete(b("d/3"));
            w.put(b("d/6"), b("y"));
            assertEquals("y", s(w.get(b("d/2"))));
            assertNull(w.get(b("d/3")));
            return keys(w.scan(b("d/"), b("d0"), 100));
        });
        assertEquals(List.of("d/1", "d/2", "d/5", "d/6"), seen);
        assertEquals(List.of("d/1", "d/2"), kv.write(w -> {
            w.delete(b("d/5"));
            return keys(w.scan(b("d/"), b("d0"), 2));
        }));
        assertEquals(List.of("d/1", "d/2", "d/6"), keys(kv.read(r -> r.scan(b("d/"), b("d0"), 100))));
    }

    @Test
    void scansInATransactionMergeManyPendingChangesUnderALimit() {
        kv.write(w -> {
            for (int i = 10; i < 30; i++) w.put(b("m/" + i), b("base"));
            return null;
        });
        List<String> page = kv.write(w -> {
            for (int i = 10; i < 20; i++) w.delete(b("m/" + i));
            w.put(b("m/205"), b("new"));
            w.put(b("m/99"), b("new"));
            w.put(b("m/0"), b("new"));
            return keys(w.scan(b("m/1"), b("m0"), 3));
        });
        assertEquals(List.of("m/20", "m/205", "m/21"), page);
        assertEquals(List.of("m/0", "m/20", "m/205", "m/21", "m/22"), keys(kv.read(r -> r.scan(b("m/"), b("m0"), 5))));
        assertEquals(List.of("m/28", "m/29", "m/99"), keys(kv.read(r -> r.scan(b("m/28"), null, 100))));
    }

    @Test
    void failedWorkWritesNothing() {
        put("keep", "1");
        assertThrows(IllegalStateException.class, () -> kv.write(w -> {
            w.put(b("keep"), b("2"));
            w.put(b("new"), b("2"));
            throw new IllegalStateException("abort");
        }));
        assertEquals("1", s(kv.read(r -> r.get(b("keep")))));
        assertNull(kv.read(r -> r.get(b("new"))));
    }

    @Test
    void failuresOfTheWorkPropagateUnchanged() {
        FsException e = assertThrows(FsException.class, () -> kv.write(w -> {
            w.put(b("x"), b("1"));
            throw FsException.of(Errno.ENOTEMPTY, "from the work");
        }));
        assertEquals(Errno.ENOTEMPTY, e.errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class,
                () -> kv.read(r -> { throw FsException.of(Errno.ENOENT, "from a read"); })).errno());
        assertNull(kv.read(r -> r.get(b("x"))));
        put("x", "2");
        assertEquals("2", s(kv.read(r -> r.get(b("x")))), "the store works on after failed work");
    }

    @Test
    void concurrentIncrementsAreSerializable() throws Exception {
        int threads = 8, each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        kv.write(w -> {
                            byte[] v = w.get(b("counter"));
                            long n = v == null ? 0 : ByteBuffer.wrap(v).getLong();
                            w.put(b("counter"), ByteBuffer.allocate(8).putLong(n + 1).array());
                            return null;
                        });
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdown();
        }
        assertEquals(threads * each, ByteBuffer.wrap(kv.read(r -> r.get(b("counter")))).getLong());
    }

    /** A writer moves units between two keys; every reader must see the same total (a snapshot). */
    @Test
    void readsSeeConsistentSnapshots() throws Exception {
        kv.write(w -> {
            w.put(b("acct/a"), ByteBuffer.allocate(8).putLong(1000).array());
            w.put(b("acct/b"), ByteBuffer.allocate(8).putLong(0).array());
            return null;
        });
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> reader = pool.submit(() -> {
                int bad = 0;
                started.countDown();
                while (!stop.get()) {
                    long sum = kv.read(r -> r.scan(b("acct/"), b("acct0"), 10).stream()
                            .mapToLong(e -> ByteBuffer.wrap(e.value()).getLong()).sum());
                    if (sum != 1000) bad++;
                }
                return bad;
            });
            started.await();
            for (int i = 0; i < 200; i++) {
                kv.write(w -> {
                    long a = ByteBuffer.wrap(w.get(b("acct/a"))).getLong();
                    long bb = ByteBuffer.wrap(w.get(b("acct/b"))).getLong();
                    w.put(b("acct/a"), ByteBuffer.allocate(8).putLong(a - 1).array());
                    w.put(b("acct/b"), ByteBuffer.allocate(8).putLong(bb + 1).array());
                    return null;
                });
            }
            stop.set(true);
            assertEquals(0, reader.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void writesSurviveReopen() throws Exception {
        assumeTrue(persistent(), "engine keeps nothing across a reopen");
        put("durable", "yes");
        kv.write(w -> {
            for (int i = 0; i < 100; i++) w.put(b("many/" + i), b("v" + i));
            w.delete(b("durable-gone"));
            return null;
        });
        kv.close();
        kv = open(dir);
        assertEquals("yes", s(kv.read(r -> r.get(b("durable")))));
        assertEquals(100, kv.read(r -> r.scan(b("many/"), b("many0"), 1000)).size());
    }
}
