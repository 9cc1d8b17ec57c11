package io.tarn.client.block;

import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import static io.tarn.client.block.BlockCodecTest.compressible;
import static io.tarn.client.block.BlockCodecTest.random;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class BlockCipherTest {
    private static final String OBJ = "vol/blocks/2a/000000000000002a";
    private static final String VOL = "0b7e6f5a-1111-4222-8333-944455556666";
    private static final byte[] KEY = random(32, 7);

    private static BlockCodec codec(Compression c) {
        return new BlockCodec(c, new BlockCipher(KEY, VOL));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static void assertEio(Runnable r, String why) {
        FsException e = assertThrows(FsException.class, r::run);
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(OBJ), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripsAllShapes(Compression c) {
        BlockCodec codec = codec(c);
        for (byte[] data : new byte[][]{new byte[0], new byte[1], compressible(1000), random(70_000, 1),
                compressible(4 << 20), random(1 << 20, 2), new byte[8 << 20]}) {
            BlockCodec.Encoded e = codec.encode(42, data, 0, data.length);
            assertEquals(BlockCipher.SEGMENTED_ID, e.bytes().get(6), "cipher id");
            assertArrayEquals(data, codec.decode(OBJ, 42, e.bytes()), c + " " + data.length);
            BlockRef ref = new BlockRef(0, 42, data.length, e.storedLength(), e.checksum());
            assertArrayEquals(data, codec.decode(OBJ, ref, e.bytes()));
        }
    }

    @Test
    void compressesBeforeEncryptingAndNeverRepeatsCiphertext() {
        BlockCodec codec = codec(Compression.LZ4);
        byte[] text = compressible(1 << 20);
        byte[] a = bytes(codec.encode(42, text, 0, text.length).bytes());
        byte[] b = bytes(codec.encode(42, text, 0, text.length).bytes());
        assertTrue(a.length < text.length / 4, "compressed first: " + a.length);
        // Same plaintext, same block id: a fresh nonce makes everything after the nonce differ.
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 40, 52), Arrays.copyOfRange(b, 40, 52)), "nonces repeat");
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 60, 124), Arrays.copyOfRange(b, 60, 124)), "ciphertext repeats");
        assertEquals(0, ByteBuffer.wrap(a).getInt(32), "no plain CRC to tell equal blocks apart");
    }

    @Test
    void everyFlippedBitAndTruncationFailsWithEio() {
        BlockCodec codec = codec(Compression.LZ4);
        byte[] data = compressible(200_000);
        byte[] obj = bytes(codec.encode(42, data, 0, data.length).bytes());
        // Header (incl. nonce), payload start, middle and the GCM tag at the very end.
        for (int pos : new int[]{5, 13, 22, 41, 51, 60, obj.length / 2, obj.length - 16, obj.length - 1}) {
            byte[] bad = obj.clone();
            bad[pos] ^= 0x10;
            assertEio(() -> codec.decode(OBJ, 42, ByteBuffer.wrap(bad)), "corrupt");
        }
        for (int len : new int[]{0, 30, 60, obj.length - 16, obj.length - 1})
            assertEio(() -> codec.decode(OBJ, 42, ByteBuffer.wrap(obj, 0, len).slice()), "corrupt");
    }

    /** What storage rot cannot do but an attacker with write access can: fix the CRCs after the change. */
    @Test
    void alteredPayloadWithRecomputedCrcsFailsAuthentication() {
        BlockCodec codec = codec(Compression.NONE);
        byte[] data = random(100_000, 3);
        byte[] obj = bytes(codec.encode(42, data, 0, data.length).bytes());
        BlockFormat.Header h = BlockFormat.read(ByteBuffer.wrap(obj));
        obj[h.headerLength() + 10] ^= 1;
        int crc = BlockFormat.crc(obj, h.headerLength(), h.payloadLength());
        BlockFormat.write(ByteBuffer.wrap(obj), new BlockFormat.Header(h.version(), h.codec(), h.cipher(), h.headerLength(),
                h.blockId(), h.plainLength(), h.payloadLength(), crc, h.plainCrc(), h.chunkShift(), h.chunkCrcs(), h.nonce(), h.keyGeneration()));
        assertEio(() -> codec.decode(OBJ, 42, ByteBuffer.wrap(obj)), "does not authenticate");
    }

    @Test
    void objectCopiedUnderAnotherBlockIdFails() {
        BlockCodec codec = codec(Compression.NONE);
        byte[] data = random(50_000, 4);
        byte[] obj = bytes(codec.encode(42, data, 0, data.length).bytes());
        assertEio(() -> codec.decode(OBJ, 43, ByteBuffer.wrap(obj)), "not 000000000000002b");
        // Even with the block id rewritten and the header CRC fixed up, the tag binds the original id.
        BlockFormat.Header h = BlockFormat.read(ByteBuffer.wrap(obj));
        BlockFormat.write(ByteBuffer.wrap(obj), new BlockFormat.Header(h.version(), h.codec(), h.cipher(), h.headerLength(),
                43, h.plainLength(), h.payloadLength(), h.payloadCrc(), h.plainCrc(), h.chunkShift(), h.chunkCrcs(), h.nonce(), h.keyGeneration()));
        assertEio(() -> codec.decode(OBJ, 43, ByteBuffer.wrap(obj)), "does not authenticate");
    }

    @Test
    void objectOfAnotherVolumeOrKeyFails() {
        byte[] data = compressible(100_000);
        byte[] obj = bytes(codec(Compression.ZSTD).encode(42, data, 0, data.length).bytes());
        BlockCodec otherVolume = new BlockCodec(Compression.ZSTD, new BlockCipher(KEY, "another-volume-uuid"));
        assertEio(() -> otherVolume.decode(OBJ, 42, ByteBuffer.wrap(obj)), "does not authenticate");
        BlockCodec otherKey = new BlockCodec(Compression.ZSTD, new BlockCipher(random(32, 8), VOL));
        assertEio(() -> otherKey.decode(OBJ, 42, ByteBuffer.wrap(obj)), "does not authenticate");
        assertEio(() -> new BlockCodec(Compression.ZSTD).decode(OBJ, 42, ByteBuffer.wrap(obj)), "cannot decrypt");
    }

    @Test
    void encryptedVolumeRefusesPlainObjects() {
        byte[] data = random(10_000, 5);
        byte[] plain = bytes(new BlockCodec(Compression.NONE).encode(42, data, 0, data.length).bytes());
        assertEio(() -> codec(Compression.NONE).decode(OBJ, 42, ByteBuffer.wrap(plain)), "not encrypted");
    }

    @Test
    void rangedReadsDeclineEncryptedObjects() {
        BlockCodec codec = codec(Compression.NONE);
        byte[] data = random(300_000, 6);
        ByteBuffer obj = codec.encode(42, data, 0, data.length).bytes();
        assertNull(codec.decodeChunks(OBJ, 42, obj.duplicate().limit(60), 1, ByteBuffer.allocate(BlockFormat.CHUNK)));
    }

    /** Each object names its key generation, bound as associated data: editing it (CRC fixed) fails, old generations decrypt. */
    @Test
    void keyGenerationsDecryptTheirOwnObjects() {
        byte[] key2 = random(32, 8);
        BlockCodec gen1 = new BlockCodec(Compression.LZ4, new BlockCipher(KEY, VOL));
        BlockCodec gen2 = new BlockCodec(Compression.LZ4, new BlockCipher(new byte[][] {KEY, key2}, VOL));
        byte[] data = random(100_000, 4);
        ByteBuffer old = gen1.encode(42, data, 0, data.length).bytes();
        ByteBuffer neu = gen2.encode(43, data, 0, data.length).bytes();
        assertEquals(1, old.get(39));
        assertEquals(2, neu.get(39));
        assertArrayEquals(data, gen2.decode(OBJ, 42, old.duplicate()));
        assertArrayEquals(data, gen2.decode(OBJ, 43, neu.duplicate()));
        FsException unknown = assertThrows(FsException.class, () -> gen1.decode(OBJ, 43, neu.duplicate()));
        assertTrue(unknown.getMessage().contains("key generation 2"), unknown.getMessage());
        // Claim generation 1 for a generation-2 object and fix the header CRC: the tag does not verify.
        byte[] forged = new byte[neu.remaining()];
        neu.duplicate().get(forged);
        forged[39] = 1;
        int head = java.nio.ByteBuffer.wrap(forged).getInt(8);
        java.nio.ByteBuffer.wrap(forged).putInt(head - 4, BlockFormat.crc(forged, 0, head - 4));
        FsException e = assertThrows(FsException.class, () -> gen2.decode(OBJ, 43, ByteBuffer.wrap(forged)));
        assertTrue(e.getMessage().contains("does not authenticate"), e.getMessage());
    }

    /** Segments (ADR 0094): many per object; one dropped, swapped or with a bit flipped (CRCs fixed) fails, naming it. */
    @Test
    void segmentsCannotBeReorderedOrDropped() {
        BlockCodec codec = new BlockCodec(Compression.NONE, new BlockCipher(KEY, VOL));
        byte[] data = random(3 * BlockCipher.SEGMENT + 100, 5);
        ByteBuffer enc = codec.encode(42, data, 0, data.length).bytes();
        byte[] obj = new byte[enc.remaining()];
        enc.duplicate().get(obj);
        assertEquals(BlockCipher.SEGMENTED_ID, obj[6]);
        int head = ByteBuffer.wrap(obj).getInt(8), seg = BlockCipher.SEGMENT + BlockCipher.TAG_BYTES;
        assertEquals(head + BlockCipher.payloadLength(data.length), obj.length);
        assertArrayEquals(data, codec.decode(OBJ, 42, ByteBuffer.wrap(obj)));
        // Swap segments 0 and 1, then fix the payload CRC: the tags are bound to their index.
        byte[] swapped = obj.clone();
        System.arraycopy(obj, head, swapped, head + seg, seg);
        System.arraycopy(obj, head + seg, swapped, head, seg);
        assertEio(() -> codec.decode(OBJ, 42, withFixedCrcs(swapped, head)), "segment 0 does not authenticate");
        byte[] flipped = obj.clone();
        flipped[head + 2 * seg + 7] ^= 1;
        assertEio(() -> codec.decode(OBJ, 42, withFixedCrcs(flipped, head)), "segment 2 does not authenticate");
        // Drop the last segment and shorten the payload length to match, CRCs fixed: the previous one is not "last".
        byte[] cut = java.util.Arrays.copyOf(obj, head + 3 * seg);
        assertEio(() -> codec.decode(OBJ, 42, withFixedCrcs(cut, head, 3 * seg)), "does not authenticate");
    }

    /** Objects of the first encrypted format (the whole payload one GCM message, cipher id 1) still decode. */
    @Test
    void firstFormatObjectsStillDecode() {
        BlockCipher cipher = new BlockCipher(KEY, VOL);
        byte[] data = random(200_000, 7);
        int head = BlockFormat.headerLength(false, data.length);
        byte[] obj = new byte[head + data.length + BlockCipher.TAG_BYTES];
        byte[] nonce = BlockCipher.newNonce();
        BlockFormat.write(ByteBuffer.wrap(obj), new BlockFormat.Header(BlockFormat.VERSION, 0, BlockCipher.CIPHER_ID, head, 42,
                data.length, data.length + BlockCipher.TAG_BYTES, 0, 0, BlockFormat.CHUNK_SHIFT, new int[0], nonce, 0));
        cipher.encrypt(nonce, java.util.Arrays.copyOf(obj, BlockFormat.FIXED), BlockFormat.FIXED, data, 0, data.length, obj, head);
        assertArrayEquals(data, new BlockCodec(Compression.LZ4, cipher).decode(OBJ, 42, withFixedCrcs(obj, head)));
    }

    /** {@code obj} with its payload CRC (and so its header CRC) recomputed, as an attacker with store access could. */
    private static ByteBuffer withFixedCrcs(byte[] obj, int head) {
        return withFixedCrcs(obj, head, obj.length - head);
    }

    private static ByteBuffer withFixedCrcs(byte[] obj, int head, int payloadLength) {
        BlockFormat.Header h = BlockFormat.read(ByteBuffer.wrap(obj));
        int crc = BlockFormat.crc(obj, head, obj.length - head);
        BlockFormat.write(ByteBuffer.wrap(obj), new BlockFormat.Header(h.version(), h.codec(), h.cipher(), h.headerLength(), h.blockId(),
                h.plainLength(), payloadLength, crc, h.plainCrc(), h.chunkShift(), h.chunkCrcs(), h.nonce(), h.keyGeneration()));
        return ByteBuffer.wrap(obj);
    }

    @Test
    void keyFileIsCreatedOwnerOnlyAndReadBack(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("vol.key");
        BlockCipher.createKeyFile(p);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertEquals(32, BlockCipher.readKeyFile(p).length);
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> BlockCipher.createKeyFile(p));
        Files.write(dir.resolve("short"), new byte[31]);
        assertThrows(java.io.IOException.class, () -> BlockCipher.readKeyFile(dir.resolve("short")));
    }
}
