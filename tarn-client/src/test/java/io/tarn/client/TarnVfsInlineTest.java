package io.tarn.client;

import io.tarn.api.BlockRef;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeSpec;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.VolumeKeys;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryCheckpoints;
import io.tarn.meta.MemoryKvStore;
import io.tarn.objectstore.MemoryObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/** Tiny files keep their only block inline in the block map, with no object in the store (ADR 0141). */
@Timeout(60)
class TarnVfsInlineTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = Caller.ROOT;

    @AfterEach
    void close() {
        fx.close();
    }

    private static long writeFile(TarnVfs v, String name, byte[] data) {
        Vfs.Created f = v.create(Caller.ROOT, v.rootIno(), name, 0644, OpenFlags.O_WRONLY);
        v.write(f.fh(), 0, buf(data));
        v.release(f.fh());
        return f.attr().ino();
    }

    private static byte[] readFile(TarnVfs v, long ino) {
        long fh = v.open(Caller.ROOT, ino, OpenFlags.O_RDONLY);
        try {
            return bytes(v.read(fh, 0, (int) v.getattr(Caller.ROOT, ino).size() + 10));
        } finally {
            v.release(fh);
        }
    }

    private static List<BlockRef> blocks(MetaService meta, TarnVfs v, long ino) {
        long session = meta.openSession(v.volume().name(), "inspect").session();
        try {
            return meta.blocks(new Ctx(session, 0, Caller.ROOT), ino, 0, 100);
        } finally {
            meta.closeSession(session);
        }
    }

    @Test
    void tinyFilesLeaveNoObjectAndReadBackInAFreshClient() {
        TarnVfs a = fx.client();
        byte[] hundred = pattern(100, 1), page = pattern(4096, 2);
        long f1 = writeFile(a, "hundred", hundred), f2 = writeFile(a, "page", page);
        assertEquals(0, fx.mem.size(), "no object is put for a file within the inline limit");
        assertArrayEquals(hundred, readFile(a, f1));
        assertArrayEquals(page, readFile(a, f2));
        BlockRef r = blocks(fx.meta, a, f2).getFirst();
        assertTrue(r.isInline());
        assertEquals(4096, r.length());
        assertTrue(r.inline().length > 4096, "random bytes do not compress: the payload is header and bytes");

        TarnVfs b = fx.client();
        assertArrayEquals(hundred, readFile(b, f1));
        assertArrayEquals(page, readFile(b, f2));
        assertEquals(0, b.blockStore().stats().wholeGets() + b.blockStore().stats().rangeGets(), "read from the block map");
        assertEquals(0, fx.mem.size());
        assertEquals(4196, fx.meta.volumeQuota("v").usedBytes(), "usage counts plain lengths");
    }

    @Test
    void aFileOverTheLimitOrWithInliningOffGetsAnObject() {
        TarnVfs a = fx.client();
        writeFile(a, "bigger", pattern(4097, 3));
        assertEquals(1, fx.mem.size());
        TarnVfs off = fx.client(ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST).withInlineMax(0));
        long ino = writeFile(off, "tiny", pattern(10, 4));
        assertEquals(2, fx.mem.size());
        assertFalse(blocks(fx.meta, off, ino).getFirst().isInline());
        assertArrayEquals(pattern(10, 4), readFile(fx.client(), ino));
    }

    @Test
    void aFileThatGrowsPastTheLimitEndsWithObjects() {
        TarnVfs a = fx.client();
        byte[] all = pattern(1 << 20, 5);
        long ino = writeFile(a, "grows", Arrays.copyOf(all, 1024));
        assertEquals(0, fx.mem.size());
        BlockRef first = blocks(fx.meta, a, ino).getFirst();
        assertTrue(first.isInline());

        long fh = a.open(c, ino, OpenFlags.O_WRONLY);
        a.write(fh, 1024, buf(Arrays.copyOfRange(all, 1024, all.length)));
        a.release(fh);
        List<BlockRef> refs = blocks(fx.meta, a, ino);
        assertEquals((1 << 20) / BLOCK, refs.size());
        for (BlockRef r : refs) assertFalse(r.isInline(), "block " + r.index() + " has an object now");
        assertNotEquals(first.blockId(), refs.getFirst().blockId(), "a rewrite takes a new id");
        assertEquals(refs.size(), fx.mem.size());
        assertArrayEquals(all, readFile(fx.client(), ino));

        // Within one open: inline at the first fsync, an object once the file outgrew the limit.
        Vfs.Created g = a.create(c, a.rootIno(), "grows-open", 0644, OpenFlags.O_RDWR);
        a.write(g.fh(), 0, buf(Arrays.copyOf(all, 1024)));
        a.fsync(g.fh(), false);
        assertTrue(blocks(fx.meta, a, g.attr().ino()).getFirst().isInline());
        a.write(g.fh(), 1024, buf(Arrays.copyOfRange(all, 1024, 300_000)));
        a.release(g.fh());
        assertFalse(blocks(fx.meta, a, g.attr().ino()).getFirst().isInline());
        assertArrayEquals(Arrays.copyOf(all, 300_000), readFile(fx.client(), g.attr().ino()));
    }

    @Test
    void anEncryptedVolumeKeepsOnlyCiphertextInline(@TempDir Path dir) throws Exception {
        byte[] key = pattern(32, 99);
        fx.meta.createVolume(new VolumeSpec("e", "mem://unused", BLOCK, "none", 0,
                VolumeEncryption.aesGcm(false, VolumeKeys.firstGeneration(key, null))));
        Path keyFile = dir.resolve("e.key");
        Files.write(keyFile, key);
        TarnVfs e = new TarnVfs(fx.meta, fx.store, "e", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST), new KeySource.KeyFile(keyFile));
        fx.clients.add(e);
        byte[] secret = "PATIENT 4711 genome sample, confidential".repeat(20).getBytes(StandardCharsets.UTF_8);
        long ino = writeFile(e, "secret", secret);
        assertEquals(0, fx.mem.size());
        BlockRef r = blocks(fx.meta, e, ino).getFirst();
        assertTrue(r.isInline());
        String stored = new String(r.inline(), StandardCharsets.ISO_8859_1);
        assertFalse(stored.contains("PATIENT"), "the metadata server sees ciphertext only");
        TarnVfs again = new TarnVfs(fx.meta, fx.store, "e", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST), new KeySource.KeyFile(keyFile));
        fx.clients.add(again);
        assertArrayEquals(secret, readFile(again, ino));
    }

    @Test
    void aDamagedPayloadReadsAsAnErrorNotAsData() {
        TarnVfs a = fx.client();
        long ino = writeFile(a, "f", pattern(500, 6));
        long session = fx.meta.openSession("v", "damage").session();
        Ctx ctx = new Ctx(session, 0, Caller.ROOT);
        BlockRef r = fx.meta.blocks(ctx, ino, 0, 1).getFirst();
        byte[] bad = r.inline().clone();
        bad[bad.length - 1] ^= 1;
        fx.meta.commitBlocks(ctx, ino, List.of(new BlockRef(0, fx.meta.reserveBlockIds(ctx, 1), r.length(), r.storedLength(), r.checksum(), bad)), 500, 0);
        FsException e = assertThrows(FsException.class, () -> readFile(fx.client(), ino));
        assertEquals(Errno.EIO, e.errno());
    }

    @Test
    void aViewBeforeAnOverwriteReadsTheOldInlineContent() {
        MemoryKvStore kv = new MemoryKvStore();
        try (LocalMetaService meta = new LocalMetaService(kv, InstantSource.system(), Duration.ofMinutes(5), new MemoryCheckpoints(kv))) {
            meta.createVolume(new VolumeSpec("h", "mem://unused", BLOCK, "lz4", 3600));
            meta.checkpoint();
            MemoryObjectStore store = new MemoryObjectStore();
            byte[] before = "the content before the overwrite".getBytes(StandardCharsets.UTF_8);
            byte[] after = "THE CONTENT AFTER THE OVERWRITE!".getBytes(StandardCharsets.UTF_8);
            long ino;
            long at;
            try (TarnVfs w = new TarnVfs(meta, store, "h", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST))) {
                ino = writeFile(w, "f", before);
                at = nowNs();
                long fh = w.open(c, ino, OpenFlags.O_WRONLY);
                w.write(fh, 0, buf(after));
                w.release(fh);
                assertArrayEquals(after, readFile(w, ino));
            }
            assertEquals(0, store.size(), () -> store.list("", null).map(o -> o.key()).toList().toString());
            try (TarnVfs view = new TarnVfs(viewAt(meta, at), store, "h", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST))) {
                assertArrayEquals(before, readFile(view, ino));
            }
        }
    }

    @Test
    void theLimitIsAClientOption() {
        assertEquals(4096, ClientConfig.DEFAULTS.inlineMax());
        assertEquals(8192, ClientConfig.parse(Map.of("inline-max", "8K")).inlineMax());
        assertEquals(0, ClientConfig.parse(Map.of("inline-max", "0")).inlineMax());
        assertEquals(BlockRef.INLINE_MAX, ClientConfig.parse(Map.of("inline-max", "64K")).inlineMax());
        FsException e = assertThrows(FsException.class, () -> ClientConfig.parse(Map.of("inline-max", "65K")));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("inline-max"), e.getMessage());
    }

    private static long nowNs() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** The service as {@code tarn mount --at} sees it: sessions it opens are views at {@code atNs}. */
    private static MetaService viewAt(MetaService d, long atNs) {
        return (MetaService) Proxy.newProxyInstance(MetaService.class.getClassLoader(), new Class<?>[]{MetaService.class}, (p, m, args) -> {
            try {
                if (m.getName().equals("openSession") && args.length == 2) return d.openSession((String) args[0], (String) args[1], atNs);
                return m.invoke(d, args);
            } catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
        });
    }
}
