package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeSpec;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.VolumeKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.buf;
import static io.tarn.client.VfsFixture.bytes;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Data written through a client of an encrypted volume reaches the store only as ciphertext (ADR 0090),
 * the volume record says it is encrypted so no client can open it without the key (ADR 0091), and key
 * rotation keeps old blocks readable (ADR 0092).
 */
@Timeout(60)
class TarnVfsEncryptionTest {
    private static final String MARKER = "PATIENT 4711 genome sample, confidential";
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = Caller.ROOT;
    private final byte[] key = pattern(32, 99);
    @TempDir Path dir;

    @AfterEach
    void close() {
        fx.close();
    }

    private KeySource keyFile(String name, byte[] k) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, k);
        return new KeySource.KeyFile(p);
    }

    /** Volume "e": encrypted with {@link #key} (a key file). */
    private KeySource encryptedVolume() throws IOException {
        fx.meta.createVolume(new VolumeSpec("e", "mem://unused", BLOCK, "lz4", 0,
                VolumeEncryption.aesGcm(false, VolumeKeys.firstGeneration(key, null))));
        return keyFile("e.key", key);
    }

    private TarnVfs encrypted(KeySource k) {
        TarnVfs v = new TarnVfs(fx.meta, fx.store, "e", ClientConfig.DEFAULTS.withWriteBuffer(16L * BLOCK).withRetry(VfsFixture.FAST), k);
        fx.clients.add(v);
        return v;
    }

    /** Four identical blocks of text, and four identical blocks of random bytes. */
    private static byte[] text() {
        byte[] line = (MARKER + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] block = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) block[i] = line[i % line.length];
        return repeat(block, 4);
    }

    private static byte[] repeat(byte[] block, int n) {
        byte[] all = new byte[block.length * n];
        for (int i = 0; i < n; i++) System.arraycopy(block, 0, all, i * block.length, block.length);
        return all;
    }

    private long writeFile(TarnVfs v, String name, byte[] data) {
        Vfs.Created f = v.create(c, v.rootIno(), name, 0644, OpenFlags.O_RDWR);
        assertEquals(data.length, v.write(f.fh(), 0, buf(data)));
        v.release(f.fh());
        return f.attr().ino();
    }

    private byte[] readFile(TarnVfs v, long ino, int size) {
        long fh = v.open(c, ino, OpenFlags.O_RDONLY);
        try {
            return bytes(v.read(fh, 0, size + 10));
        } finally {
            v.release(fh);
        }
    }

    private List<byte[]> objects() {
        List<byte[]> all = new ArrayList<>();
        for (ObjectInfo o : fx.mem.list("", null).toList())
            all.add(bytes(fx.mem.get(o.key(), 0, -1).orElseThrow()));
        return all;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void storeHoldsNoPlaintextAndNoRepeatedCiphertext() throws IOException {
        KeySource key = encryptedVolume();
        TarnVfs v = encrypted(key);
        byte[] text = text();
        byte[] noise = repeat(pattern(BLOCK, 5), 4);
        long t = writeFile(v, "notes.txt", text);
        long r = writeFile(v, "reads.bin", noise);

        TarnVfs fresh = encrypted(key);
        assertArrayEquals(text, readFile(fresh, t, text.length));
        assertArrayEquals(noise, readFile(fresh, r, noise.length));

        List<byte[]> objs = objects();
        assertTrue(objs.size() >= 8, "objects: " + objs.size());
        byte[] marker = MARKER.substring(0, 16).getBytes(StandardCharsets.UTF_8);
        Set<String> payloadStarts = new HashSet<>();
        for (byte[] o : objs) {
            assertFalse(contains(o, marker), "plaintext text in an object");
            for (int at = 0; at < BLOCK; at += BLOCK / 4)
                assertFalse(contains(o, Arrays.copyOfRange(noise, at, at + 16)), "plaintext random bytes in an object");
            // Eight blocks, two distinct contents: every object's ciphertext must still differ.
            assertTrue(payloadStarts.add(Arrays.toString(Arrays.copyOfRange(o, 60, 60 + 32))), "repeated ciphertext");
        }
    }

    /** Small random reads (which fetch byte ranges of plain raw blocks) read whole encrypted objects. */
    @Test
    void smallRandomReadsOfEncryptedBlocks() throws IOException {
        KeySource key = encryptedVolume();
        byte[] noise = pattern(3 * BLOCK, 7);
        long ino = writeFile(encrypted(key), "r.bin", noise);
        TarnVfs fresh = encrypted(key);
        long fh = fresh.open(c, ino, OpenFlags.O_RDONLY);
        try {
            for (int off : new int[]{2 * BLOCK + 70_000, 100_000, BLOCK - 10})
                assertArrayEquals(Arrays.copyOfRange(noise, off, off + 4096), bytes(fresh.read(fh, off, 4096)), "at " + off);
        } finally {
            fresh.release(fh);
        }
    }

    /** The same scan finds the text in an unencrypted volume, so the scan above can fail. */
    @Test
    void theScanSeesPlaintextOfAPlainVolume() {
        TarnVfs plain = fx.client(ClientConfig.DEFAULTS.withWriteBuffer(16L * BLOCK).withRetry(VfsFixture.FAST)
                .withConcurrency(4, 4));
        byte[] noise = pattern(BLOCK, 6);
        writeFile(plain, "raw.bin", noise);
        assertTrue(objects().stream().anyMatch(o -> contains(o, Arrays.copyOfRange(noise, 1000, 1016))));
    }

    @Test
    void wrongOrMissingKeyIsRefusedBeforeAnythingIsTouched() throws IOException {
        KeySource key = encryptedVolume();
        writeFile(encrypted(key), "notes.txt", text());
        int objects = fx.mem.size();
        FsException e = assertThrows(FsException.class, () -> encrypted(keyFile("wrong.key", pattern(32, 100))));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().endsWith("wrong key file for encrypted volume e"));
        FsException missing = assertThrows(FsException.class, () -> encrypted(null));
        assertEquals(Errno.EACCES, missing.errno());
        assertTrue(missing.getMessage().contains("volume e is encrypted"), missing.getMessage());
        // The record says the volume is encrypted: even the constructor without keys refuses, so no
        // client can write plain blocks into it.
        FsException plain = assertThrows(FsException.class, () -> new TarnVfs(fx.meta, fx.store, "e", ClientConfig.DEFAULTS));
        assertEquals(Errno.EACCES, plain.errno());
        assertEquals(objects, fx.mem.size());
        // A key for an unencrypted volume is refused too: it would give a false sense of safety.
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> new TarnVfs(fx.meta, fx.store, "v", ClientConfig.DEFAULTS, key)).errno());
    }

    /** After a rotation new blocks use generation 2, old ones stay readable, and only the newest key opens the volume. */
    @Test
    void rotatedKeyWritesNewGenerationAndReadsOld() throws IOException {
        KeySource key1 = encryptedVolume();
        byte[] first = pattern(2 * BLOCK, 11);
        long a = writeFile(encrypted(key1), "a.bin", first);
        java.util.Set<String> before = new HashSet<>(fx.mem.list("", null).map(ObjectInfo::key).toList());

        byte[] key2bytes = pattern(32, 12);
        VolumeKeys unlocked = VolumeKeys.unlock(fx.meta.volume("e"), key1);
        fx.meta.addVolumeKey("e", unlocked.nextGeneration(key2bytes, null));
        KeySource key2 = keyFile("e2.key", key2bytes);
        assertTrue(assertThrows(FsException.class, () -> encrypted(key1)).getMessage().endsWith("wrong key file for encrypted volume e"));

        byte[] second = pattern(2 * BLOCK, 13);
        TarnVfs v2 = encrypted(key2);
        long b = writeFile(v2, "b.bin", second);
        TarnVfs fresh = encrypted(key2);
        assertArrayEquals(first, readFile(fresh, a, first.length));
        assertArrayEquals(second, readFile(fresh, b, second.length));
        for (ObjectInfo o : fx.mem.list("", null).toList()) {
            byte[] obj = bytes(fx.mem.get(o.key(), 0, -1).orElseThrow());
            int generation = (obj[38] & 0xff) << 8 | (obj[39] & 0xff);
            assertEquals(before.contains(o.key()) ? 1 : 2, generation, "key generation in the header of " + o.key());
        }
    }
}
