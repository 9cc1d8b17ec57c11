package io.tarn.client.block;

import io.tarn.api.BlockRef;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class BlockCodecTest {
    private static final String KEY = "vol/blocks/2a/000000000000002a";

    static byte[] compressible(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) ("tarn block " .charAt(i % 11) + (i / 4096));
        return b;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripsAllShapes(Compression c) {
        BlockCodec codec = new BlockCodec(c);
        for (byte[] data : new byte[][]{new byte[0], new byte[1], compressible(1000), random(70_000, 1),
                compressible(4 << 20), random(1 << 20, 2), new byte[8 << 20]}) {
            BlockCodec.Encoded e = codec.encode(42, data, 0, data.length);
            assertArrayEquals(data, codec.decode(KEY, 42, e.bytes()), c + " " + data.length);
            BlockRef ref = new BlockRef(0, 42, data.length, e.storedLength(), e.checksum());
            assertArrayEquals(data, codec.decode(KEY, ref, e.bytes()));
        }
    }

    @Test
    void compressibleBlocksShrinkAndIncompressibleOnesAreStoredRaw() {
        BlockCodec lz4 = new BlockCodec(Compression.LZ4);
        byte[] text = compressible(1 << 20);
        BlockCodec.Encoded small = lz4.encode(1, text, 0, text.length);
        assertFalse(small.raw());
        assertTrue(small.storedLength() < text.length / 4, "stored " + small.storedLength());
        byte[] noise = random(1 << 20, 3);
        BlockCodec.Encoded raw = lz4.encode(2, noise, 0, noise.length);
        assertTrue(raw.raw());
        assertEquals(BlockCodec.rawHeaderLength(noise.length) + noise.length, raw.storedLength());
        assertEquals(noise.length, BlockCodec.rawPlainLength(raw.storedLength()));
        assertTrue(new BlockCodec(Compression.ZSTD).encode(3, text, 0, text.length).storedLength() < text.length / 4);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"LZ4", "ZSTD"})
    void theProbeDecidesFromSlicesSpreadOverALargeBlock(Compression c) {
        BlockCodec codec = new BlockCodec(c);
        int len = 4 << 20;
        long stride = (len - BlockCodec.PROBE_SLICE) / (BlockCodec.PROBE_SLICES - 1);
        byte[] noise = random(BlockCodec.PROBE_SLICE, 11);
        // Zeros everywhere except noise exactly where the probe looks: judged incompressible, stored raw.
        byte[] decoy = new byte[len];
        for (int i = 0; i < BlockCodec.PROBE_SLICES; i++) System.arraycopy(noise, 0, decoy, (int) (i * stride), noise.length);
        assertFalse(codec.worthCompressing(decoy, 0, len, new byte[2 * BlockCodec.PROBE_SLICE], 0));
        BlockCodec.Encoded e = codec.encode(5, decoy, 0, len);
        assertTrue(e.raw(), "the probe saw only noise");
        assertArrayEquals(decoy, codec.decode(KEY, 5, e.bytes()));
        // Half noise, half text at slice granularity: the text slices carry it, the block is compressed.
        byte[] mixed = compressible(len);
        for (int i = 0; i < BlockCodec.PROBE_SLICES; i += 2) System.arraycopy(noise, 0, mixed, (int) (i * stride), noise.length);
        BlockCodec.Encoded m = codec.encode(6, mixed, 0, len);
        assertFalse(m.raw());
        assertArrayEquals(mixed, codec.decode(KEY, 6, m.bytes()));
        // Below the probe's size every block is tried whole.
        byte[] under = new byte[BlockCodec.PROBE_MIN - 1];
        System.arraycopy(noise, 0, under, 0, noise.length);
        assertTrue(codec.worthCompressing(under, 0, under.length, new byte[2 * BlockCodec.PROBE_SLICE], 0));
        assertFalse(codec.encode(7, under, 0, under.length).raw());
    }

    @Test
    void encodeReadsOnlyTheGivenRange() {
        byte[] data = random(5000, 4);
        BlockCodec codec = new BlockCodec(Compression.NONE);
        BlockCodec.Encoded e = codec.encode(7, data, 1000, 3000);
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 4000), codec.decode(KEY, 7, e.bytes()));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyFlippedBitIsCaught(Compression c) {
        BlockCodec codec = new BlockCodec(c);
        byte[] data = c == Compression.NONE ? random(3000, 5) : compressible(3000);
        byte[] obj = bytes(codec.encode(9, data, 0, data.length).bytes());
        for (int bit = 0; bit < obj.length * 8; bit += (bit < 800 ? 1 : 37)) {
            byte[] bad = obj.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            int b = bit;
            FsException e = assertThrows(FsException.class, () -> codec.decode(KEY, 9, ByteBuffer.wrap(bad)), "bit " + b);
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains(KEY), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void truncatedOrExtendedObjectsAreCaught(Compression c) {
        BlockCodec codec = new BlockCodec(c);
        byte[] data = c == Compression.NONE ? random(200_000, 6) : compressible(200_000);
        byte[] obj = bytes(codec.encode(9, data, 0, data.length).bytes());
        for (int len : new int[]{0, 1, 10, 59, 60, obj.length / 2, obj.length - 1}) {
            FsException e = assertThrows(FsException.class, () -> codec.decode(KEY, 9, ByteBuffer.wrap(obj, 0, len).slice()), "len " + len);
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains(KEY));
        }
        byte[] longer = Arrays.copyOf(obj, obj.length + 1);
        assertThrows(FsException.class, () -> codec.decode(KEY, 9, ByteBuffer.wrap(longer)));
    }

    @Test
    void anObjectUnderAnotherIdIsCaught() {
        BlockCodec codec = new BlockCodec(Compression.LZ4);
        byte[] data = compressible(10_000);
        ByteBuffer obj = codec.encode(1, data, 0, data.length).bytes();
        FsException e = assertThrows(FsException.class, () -> codec.decode(KEY, 2, obj));
        assertTrue(e.getMessage().contains("holds block 0000000000000001"), e.getMessage());
    }

    @Test
    void blockMapMismatchIsCaught() {
        BlockCodec codec = new BlockCodec(Compression.LZ4);
        byte[] data = compressible(10_000);
        BlockCodec.Encoded e = codec.encode(1, data, 0, data.length);
        assertThrows(FsException.class, () -> codec.decode(KEY, new BlockRef(0, 1, data.length, e.storedLength() + 1, e.checksum()), e.bytes()));
        assertThrows(FsException.class, () -> codec.decode(KEY, new BlockRef(0, 1, data.length, e.storedLength(), e.checksum() ^ 1), e.bytes()));
    }

    @Test
    void unknownCipherIsRefused() {
        BlockCodec codec = new BlockCodec(Compression.NONE);
        byte[] data = random(100, 8);
        byte[] obj = bytes(codec.encode(1, data, 0, data.length).bytes());
        BlockFormat.Header h = BlockFormat.read(ByteBuffer.wrap(obj));
        BlockFormat.write(ByteBuffer.wrap(obj), new BlockFormat.Header(h.version(), h.codec(), 1, h.headerLength(), h.blockId(),
                h.plainLength(), h.payloadLength(), h.payloadCrc(), h.plainCrc(), h.chunkShift(), h.chunkCrcs()));
        FsException e = assertThrows(FsException.class, () -> codec.decode(KEY, 1, ByteBuffer.wrap(obj)));
        assertTrue(e.getMessage().contains("cipher 1"), e.getMessage());
    }

    @Test
    void chunksOfRawBlocksVerifyOnTheirOwn() {
        BlockCodec codec = new BlockCodec(Compression.NONE);
        byte[] data = random(300_000, 9);
        byte[] obj = bytes(codec.encode(5, data, 0, data.length).bytes());
        int head = BlockCodec.rawHeaderLength(data.length);
        ByteBuffer header = ByteBuffer.wrap(obj, 0, head).slice();
        // chunks 1..2 and the short last chunk 4
        byte[] got = codec.decodeChunks(KEY, 5, header, 1, ByteBuffer.wrap(obj, head + 65536, 2 * 65536).slice());
        assertArrayEquals(Arrays.copyOfRange(data, 65536, 3 * 65536), got);
        byte[] last = codec.decodeChunks(KEY, 5, header, 4, ByteBuffer.wrap(obj, head + 4 * 65536, data.length - 4 * 65536).slice());
        assertArrayEquals(Arrays.copyOfRange(data, 4 * 65536, data.length), last);
        byte[] bad = obj.clone();
        bad[head + 65536 + 100] ^= 4;
        assertThrows(FsException.class, () -> codec.decodeChunks(KEY, 5, header, 1, ByteBuffer.wrap(bad, head + 65536, 65536).slice()));
        assertThrows(FsException.class, () -> codec.decodeChunks(KEY, 5, header, 1, ByteBuffer.wrap(obj, head + 65536, 65535).slice()));
        assertThrows(FsException.class, () -> codec.decodeChunks(KEY, 6, header, 1, ByteBuffer.wrap(obj, head + 65536, 65536).slice()));
        byte[] zip = bytes(new BlockCodec(Compression.LZ4).encode(5, compressible(300_000), 0, 300_000).bytes());
        assertNull(codec.decodeChunks(KEY, 5, ByteBuffer.wrap(zip), 0, ByteBuffer.allocate(0)), "a compressed block cannot serve a range");
    }

    @Test
    void keysFollowTheLayout() {
        assertEquals("pre/fix/uuid-1/blocks/ff/00000000000012ff", new BlockKeys("/pre/fix/", "uuid-1").key(0x12ff));
        assertEquals("uuid-1/blocks/00/0000000000000100", new BlockKeys("", "uuid-1").key(256));
    }

    @Test
    void compressionNames() {
        assertEquals(Compression.LZ4, Compression.parse("lz4"));
        assertEquals(Compression.ZSTD, Compression.parse("ZSTD"));
        assertEquals(Compression.NONE, Compression.parse("none"));
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> Compression.parse("gzip")).errno());
    }
}
