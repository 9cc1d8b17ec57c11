package io.tarn.testkit.store;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every ObjectStore promises (see {@link ObjectStore}): whole-object atomic puts, range gets,
 * idempotent deletes, key-ordered listings by prefix with startAfter, independence of the caller's
 * buffers, and safety under concurrent writers. Extend it and implement {@link #open()}.
 */
@Timeout(60)
public abstract class ObjectStoreContract {
    /** A fresh, empty store. */
    protected abstract ObjectStore open() throws Exception;

    protected ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    protected static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    protected static String text(Optional<ByteBuffer> b) {
        assertTrue(b.isPresent(), "object expected");
        ByteBuffer d = b.get().duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    protected List<String> keys(String prefix, String after) {
        try (Stream<ObjectInfo> s = store.list(prefix, after)) {
            return s.map(ObjectInfo::key).toList();
        }
    }

    @Test
    void putThenGetReturnsTheBytes() {
        store.put("a/b/c", bytes("hello"));
        assertEquals("hello", text(store.get("a/b/c", 0, -1)));
    }

    @Test
    void missingKeyIsEmpty() {
        assertTrue(store.get("nope", 0, -1).isEmpty());
        assertTrue(store.head("nope").isEmpty());
        assertTrue(store.get("no/such/dir", 0, 10).isEmpty());
    }

    @Test
    void keysBelowAnObjectDoNotExist() {
        store.put("obj", bytes("x"));
        assertTrue(store.get("obj/below", 0, -1).isEmpty());
        assertTrue(store.head("obj/below").isEmpty());
        assertEquals(List.of(), keys("obj/", null));
        store.delete("obj/below");
        assertEquals("x", text(store.get("obj", 0, -1)));
    }

    @Test
    void rangeGets() {
        store.put("r", bytes("0123456789"));
        assertEquals("234", text(store.get("r", 2, 3)));
        assertEquals("789", text(store.get("r", 7, 100)), "a range past the end is cut short");
        assertEquals("56789", text(store.get("r", 5, -1)));
        assertEquals("", text(store.get("r", 10, 5)), "a range starting at the end is empty");
        assertEquals("", text(store.get("r", 50, 5)), "a range starting past the end is empty");
        assertEquals("", text(store.get("r", 3, 0)));
    }

    @Test
    void emptyObject() {
        store.put("empty", ByteBuffer.allocate(0));
        assertEquals("", text(store.get("empty", 0, -1)));
        assertEquals(0, store.head("empty").orElseThrow().size());
    }

    @Test
    void largeObjectRoundTrips() {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        store.put("big", ByteBuffer.wrap(data));
        ByteBuffer got = store.get("big", 0, -1).orElseThrow();
        byte[] back = new byte[got.remaining()];
        got.get(back);
        assertArrayEquals(data, back);
        ByteBuffer mid = store.get("big", 1_000_000, 4096).orElseThrow();
        byte[] m = new byte[mid.remaining()];
        mid.get(m);
        assertArrayEquals(Arrays.copyOfRange(data, 1_000_000, 1_004_096), m);
    }

    @Test
    void putReplacesWholeObject() {
        store.put("k", bytes("a long first version"));
        store.put("k", bytes("short"));
        assertEquals("short", text(store.get("k", 0, -1)));
        assertEquals(5, store.head("k").orElseThrow().size());
    }

    @Test
    void putReadsRemainingBytesAndLeavesCallerBufferAlone() {
        ByteBuffer b = bytes("xxpayload");
        b.position(2);
        store.put("p", b);
        assertEquals(2, b.position(), "put must not move the caller's buffer");
        b.put(2, (byte) 'P');
        assertEquals("payload", text(store.get("p", 0, -1)), "the store keeps its own copy");
        ByteBuffer got = store.get("p", 0, -1).orElseThrow();
        got.put(0, (byte) 'Z');
        assertEquals("payload", text(store.get("p", 0, -1)), "a returned buffer is the caller's own");
    }

    @Test
    void deleteIsIdempotent() {
        store.put("d/x", bytes("1"));
        store.delete("d/x");
        store.delete("d/x");
        store.delete("never/was");
        assertTrue(store.get("d/x", 0, -1).isEmpty());
        assertEquals(List.of(), keys("d/", null));
    }

    @Test
    void headReportsSize() {
        store.put("h/1", bytes("12345"));
        ObjectInfo i = store.head("h/1").orElseThrow();
        assertEquals("h/1", i.key());
        assertEquals(5, i.size());
        assertTrue(store.head("h").isEmpty(), "a prefix is not an object");
    }

    @Test
    void listIsSortedAndFilteredByPrefix() {
        for (String k : List.of("v/blocks/0b/2", "v/blocks/0a/1", "v/blocks/0a/0", "v/meta", "w/x", "v-1", "v.x", "vz"))
            store.put(k, bytes(k));
        assertEquals(List.of("v-1", "v.x", "v/blocks/0a/0", "v/blocks/0a/1", "v/blocks/0b/2", "v/meta", "vz"), keys("v", null));
        assertEquals(List.of("v/blocks/0a/0", "v/blocks/0a/1", "v/blocks/0b/2", "v/meta"), keys("v/", null));
        assertEquals(List.of("v/blocks/0a/0", "v/blocks/0a/1"), keys("v/blocks/0a", null));
        assertEquals(List.of("v/blocks/0a/0", "v/blocks/0a/1", "v/blocks/0b/2"), keys("v/blocks/0", null));
        assertEquals(List.of(), keys("v/blocks/0c", null));
        assertEquals(8, keys("", null).size());
        assertEquals(8, keys(null, null).size());
    }

    @Test
    void listOrderIsKeyOrderAcrossDirectoryBoundaries() {
        // '-' (0x2d) and '.' (0x2e) sort before '/' (0x2f), '0' (0x30) after: a naive directory walk gets this wrong.
        List<String> ks = List.of("a/b", "a-c", "a.d", "a0", "a/b0", "a/b/c");
        for (String k : ks) {
            try {
                store.put(k, bytes(k));
            } catch (ObjectStoreException e) {
                assertFalse(e.retryable(), "a key that cannot coexist with another must fail for good");
            }
        }
        List<String> listed = keys("", null);
        List<String> sorted = new ArrayList<>(listed);
        sorted.sort(null);
        assertEquals(sorted, listed);
        assertTrue(listed.containsAll(List.of("a-c", "a.d", "a0", "a/b0")));
    }

    @Test
    void listStartAfter() {
        for (String k : List.of("p/a", "p/b/1", "p/b/2", "p/c", "q"))
            store.put(k, bytes(k));
        assertEquals(List.of("p/b/2", "p/c"), keys("p/", "p/b/1"));
        assertEquals(List.of("p/b/1", "p/b/2", "p/c"), keys("p/", "p/a"));
        assertEquals(List.of("p/b/1", "p/b/2", "p/c"), keys("p/", "p/b/"), "startAfter need not be a key");
        assertEquals(List.of("p/b/1", "p/b/2", "p/c"), keys("p/", "p/b"));
        assertEquals(List.of("p/c"), keys("p/", "p/b/9"));
        assertEquals(List.of(), keys("p/", "p/c"));
        assertEquals(List.of("p/a", "p/b/1", "p/b/2", "p/c"), keys("p/", "a"), "startAfter before the prefix");
        assertEquals(List.of(), keys("p/", "z"));
    }

    @Test
    void listPagesThroughManyKeys() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String k = String.format("m/%02x/%016x", i % 7, (long) i * 7919);
            store.put(k, bytes("x"));
            expected.add(k);
        }
        expected.sort(null);
        List<String> paged = new ArrayList<>();
        String after = null;
        while (true) {
            List<String> page;
            try (Stream<ObjectInfo> s = store.list("m/", after)) {
                page = s.limit(37).map(ObjectInfo::key).toList();
            }
            if (page.isEmpty()) break;
            paged.addAll(page);
            after = page.getLast();
        }
        assertEquals(expected, paged);
    }

    @Test
    void invalidKeysAreRefusedForGood() {
        for (String bad : List.of("", "/abs", "trailing/", "a//b", "a/../b", "./a")) {
            ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> store.put(bad, bytes("x")), bad);
            assertFalse(e.retryable(), bad);
        }
    }

    @Test
    void concurrentWritersOfOneKeyLeaveOneWholeObject() throws Exception {
        int writers = 8;
        byte[][] versions = new byte[writers][];
        for (int i = 0; i < writers; i++) {
            versions[i] = new byte[64 * 1024 + i];
            Arrays.fill(versions[i], (byte) i);
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int round = 0; round < 5; round++)
                for (int i = 0; i < writers; i++) {
                    int w = i;
                    fs.add(ex.submit(() -> store.put("race/key", ByteBuffer.wrap(versions[w]))));
                    fs.add(ex.submit(() -> {
                        store.get("race/key", 0, -1).ifPresent(b -> assertWhole(b, versions));
                        return null;
                    }));
                }
            for (Future<?> f : fs) f.get();
        }
        assertWhole(store.get("race/key", 0, -1).orElseThrow(), versions);
        assertEquals(List.of("race/key"), keys("race/", null), "no temporary debris is listed");
    }

    private static void assertWhole(ByteBuffer b, byte[][] versions) {
        byte[] got = new byte[b.remaining()];
        b.duplicate().get(got);
        assertTrue(got.length >= 64 * 1024, "torn object of " + got.length + " bytes");
        int v = got.length - 64 * 1024;
        assertTrue(v < versions.length);
        assertArrayEquals(versions[v], got, "object mixes two writers");
    }

    @Test
    void concurrentWritersOfManyKeys() throws Exception {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                tasks.add(() -> {
                    store.put(String.format("many/%02x/%d", n % 16, n), bytes("v" + n));
                    if (n % 3 == 0) store.delete(String.format("many/%02x/%d", n % 16, n));
                    return null;
                });
            }
            for (Future<Void> f : ex.invokeAll(tasks)) f.get();
        }
        List<String> listed = keys("many/", null);
        assertEquals(200 - 67, listed.size());
        for (String k : listed) assertEquals("v" + k.substring(k.lastIndexOf('/') + 1), text(store.get(k, 0, -1)));
    }

    @Test
    void describeNamesTheStore() {
        assertFalse(store.describe().isBlank());
    }
}
