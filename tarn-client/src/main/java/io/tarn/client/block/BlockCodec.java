package io.tarn.client.block;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.nio.ByteBuffer;

/**
 * Turns block contents into self-verifying objects and back. A block is compressed with the volume's
 * codec only when that saves at least 1/16 of its size; otherwise it is stored raw, decided per block,
 * which also keeps ranged reads possible. A large block is first probed ({@link #worthCompressing}):
 * already-compressed or encrypted data (genomics files, checkpoints, parquet) is not run through the
 * codec at all. Decoding checks every field and checksum: a truncated,
 * altered or misplaced object fails with FsException(EIO) naming its key (and is logged), never with
 * wrong bytes. Thread-safe.
 */
public final class BlockCodec {
    private static final System.Logger LOG = System.getLogger(BlockCodec.class.getName());
    static final int CIPHER_NONE = 0;

    private final Compression compression;
    private final BlockCipher cipher;

    public BlockCodec(Compression compression) {
        this(compression, null);
    }

    /**
     * A codec that encrypts every object with {@code cipher} (AES-256-GCM, ADR 0090) after compressing,
     * and refuses to decode unencrypted objects; {@code cipher} null means plain objects as before.
     */
    public BlockCodec(Compression compression, BlockCipher cipher) {
        this.compression = compression;
        this.cipher = cipher;
    }

    /** Whether objects are encrypted (then none is stored raw in the ranged-read sense: no chunk table). */
    public boolean encrypted() {
        return cipher != null;
    }

    public Compression compression() {
        return compression;
    }

    /** An encoded object: {@code bytes} ready to put; {@code checksum} is the payload CRC32C a BlockRef records. */
    public record Encoded(ByteBuffer bytes, int checksum, boolean raw) {
        public int storedLength() {
            return bytes.remaining();
        }
    }

    /** Blocks at least this long are probed before being compressed whole. */
    static final int PROBE_MIN = 256 << 10;
    static final int PROBE_SLICES = 8, PROBE_SLICE = 8 << 10;

    /**
     * Whether {@code len} bytes are worth compressing, judged from {@link #PROBE_SLICES} slices of
     * {@link #PROBE_SLICE} bytes spread evenly over them: worth it if the slices, each compressed on its
     * own, save the 1/16 the whole block must save. The probe compresses 1/64 of a 4 MiB block. A profile
     * of a 1 GiB fio write had LZ4 take a third of the client's CPU to save 4% of fio's data, which the
     * 1/16 rule then threw away. The cost: a block that compresses only away from every slice, or that
     * saves little more than 1/16 (a slice has less history to match against), is stored raw.
     * {@code scratch} has room for the compressed form of a slice at {@code scratchOff}.
     */
    boolean worthCompressing(byte[] src, int off, int len, byte[] scratch, int scratchOff) {
        if (len < PROBE_MIN) return true;
        long stride = (len - PROBE_SLICE) / (PROBE_SLICES - 1);
        long saved = 0;
        for (int i = 0; i < PROBE_SLICES; i++)
            saved += PROBE_SLICE - compression.compress(src, off + (int) (i * stride), PROBE_SLICE, scratch, scratchOff);
        return saved * 16 >= (long) PROBE_SLICES * PROBE_SLICE;
    }

    public Encoded encode(long blockId, byte[] src, int off, int len) {
        return encode(blockId, src, off, len, new byte[maxEncodedLength(len)]);
    }

    /** The most bytes {@link #encode} may need for a block of {@code len} bytes. */
    public int maxEncodedLength(int len) {
        if (cipher != null)
            return BlockFormat.headerLength(false, len) + BlockCipher.payloadLength(compression == Compression.NONE ? len
                    : Math.max(len, compression.maxCompressedLength(len)));
        int raw = BlockFormat.headerLength(true, len) + len;
        return compression == Compression.NONE ? raw : Math.max(raw, BlockFormat.headerLength(false, len) + compression.maxCompressedLength(len));
    }

    /**
     * Encodes into {@code out} (at least {@link #maxEncodedLength} bytes, e.g. a pooled buffer); the result
     * wraps {@code out}, so it is valid until {@code out} is reused.
     */
    public Encoded encode(long blockId, byte[] src, int off, int len, byte[] out) {
        if (len < 0 || len > BlockFormat.MAX_PLAIN) throw new IllegalArgumentException("block of " + len + " bytes");
        if (out.length < maxEncodedLength(len)) throw new IllegalArgumentException("output buffer too small");
        if (cipher != null) return encodeEncrypted(blockId, src, off, len, out);
        if (compression != Compression.NONE && len > 0 && worthCompressing(src, off, len, out, BlockFormat.headerLength(false, len))) {
            int head = BlockFormat.headerLength(false, len);
            int n = compression.compress(src, off, len, out, head);
            if (n < len - (len >>> 4)) {
                int payloadCrc = BlockFormat.crc(out, head, n);
                int plainCrc = BlockFormat.crc(src, off, len);
                BlockFormat.write(ByteBuffer.wrap(out), new BlockFormat.Header(BlockFormat.VERSION, compression.id,
                        CIPHER_NONE, head, blockId, len, n, payloadCrc, plainCrc, BlockFormat.CHUNK_SHIFT, new int[0]));
                return new Encoded(ByteBuffer.wrap(out, 0, head + n).slice(), payloadCrc, false);
            }
        }
        int head = BlockFormat.headerLength(true, len);
        System.arraycopy(src, off, out, head, len);
        int[] chunkCrcs = new int[BlockFormat.chunks(len)];
        for (int c = 0; c < chunkCrcs.length; c++) {
            int from = c << BlockFormat.CHUNK_SHIFT;
            chunkCrcs[c] = BlockFormat.crc(out, head + from, Math.min(BlockFormat.CHUNK, len - from));
        }
        int crc = BlockFormat.crc(out, head, len);
        BlockFormat.write(ByteBuffer.wrap(out), new BlockFormat.Header(BlockFormat.VERSION, Compression.NONE.id,
                CIPHER_NONE, head, blockId, len, len, crc, crc, BlockFormat.CHUNK_SHIFT, chunkCrcs));
        return new Encoded(ByteBuffer.wrap(out, 0, head + len).slice(), crc, true);
    }

    /**
     * Compress (if it saves 1/16) into {@code out} after the header, then encrypt that in place (or the
     * plain bytes straight from {@code src}) as GCM segments (ADR 0094). No chunk table. The plain CRC is
     * left 0, since a CRC of the plain bytes would tell which objects hold equal blocks; the GCM tags
     * authenticate them instead.
     */
    private Encoded encodeEncrypted(long blockId, byte[] src, int off, int len, byte[] out) {
        int head = BlockFormat.headerLength(false, len);
        int codecId = Compression.NONE.id;
        byte[] body = src;
        int bodyOff = off, bodyLen = len;
        if (compression != Compression.NONE && len > 0 && worthCompressing(src, off, len, out, head)) {
            int n = compression.compress(src, off, len, out, head);
            if (n < len - (len >>> 4)) {
                codecId = compression.id;
                body = out;
                bodyOff = head;
                bodyLen = n;
            }
        }
        byte[] nonce = BlockCipher.newNonce();
        int payloadLen = BlockCipher.payloadLength(bodyLen);
        // First with the payload CRC 0: those header bytes are the associated data (the CRC of the
        // ciphertext cannot be known before encrypting); then again with the CRC filled in.
        BlockFormat.write(ByteBuffer.wrap(out), new BlockFormat.Header(BlockFormat.VERSION, codecId, BlockCipher.SEGMENTED_ID,
                head, blockId, len, payloadLen, 0, 0, BlockFormat.CHUNK_SHIFT, new int[0], nonce, cipher.newestGeneration()));
        byte[] aad = java.util.Arrays.copyOf(out, BlockFormat.FIXED);
        int n = cipher.encryptSegments(nonce, aad, body, bodyOff, bodyLen, out, head);
        int crc = BlockFormat.crc(out, head, n);
        BlockFormat.write(ByteBuffer.wrap(out), new BlockFormat.Header(BlockFormat.VERSION, codecId, BlockCipher.SEGMENTED_ID,
                head, blockId, len, payloadLen, crc, 0, BlockFormat.CHUNK_SHIFT, new int[0], nonce, cipher.newestGeneration()));
        return new Encoded(ByteBuffer.wrap(out, 0, head + n).slice(), crc, false);
    }

    /** The associated data of an encrypted object: its fixed header bytes with the payload CRC zeroed. */
    private static byte[] aad(ByteBuffer object) {
        byte[] a = new byte[BlockFormat.FIXED];
        object.duplicate().get(a);
        java.util.Arrays.fill(a, 28, 32, (byte) 0);
        return a;
    }

    /** The plain bytes of a whole object, verified against everything the header and {@code blockId} promise. */
    public byte[] decode(String key, long blockId, ByteBuffer object) {
        return decode(key, blockId, object, false, 0);
    }

    /** As {@link #decode(String, long, ByteBuffer)}, also checking the size and payload checksum the block map recorded. */
    public byte[] decode(String key, io.tarn.api.BlockRef ref, ByteBuffer object) {
        checkStoredLength(key, ref, object);
        return decode(key, ref.blockId(), object, true, ref.checksum());
    }

    /**
     * As {@link #decode(String, io.tarn.api.BlockRef, ByteBuffer)}, but a payload stored raw (no compression,
     * no encryption) is returned as a slice of {@code object} instead of a copy, after the same checks:
     * decoding a fetched block then allocates and copies nothing. {@code object} must not change afterwards.
     */
    public ByteBuffer decodeShared(String key, io.tarn.api.BlockRef ref, ByteBuffer object) {
        checkStoredLength(key, ref, object);
        if (cipher == null) {
            try {
                BlockFormat.Header h = checkedHeader(object, ref.blockId());
                if (h.cipher() == CIPHER_NONE && Compression.byId(h.codec()) == Compression.NONE && h.payloadCrc() == ref.checksum()
                        && object.remaining() == h.headerLength() + h.payloadLength()
                        && h.plainLength() == h.payloadLength()
                        && h.chunkCrcs().length == BlockFormat.chunks(h.plainLength())) {
                    ByteBuffer p = object.slice(object.position() + h.headerLength(), h.payloadLength());
                    if (BlockFormat.crc(p.duplicate()) != h.payloadCrc()) throw new BlockFormat.Corrupt("payload checksum mismatch");
                    return p;
                }
            } catch (BlockFormat.Corrupt e) {
                throw corrupt(key, e.getMessage());
            }
        }
        return ByteBuffer.wrap(decode(key, ref.blockId(), object, true, ref.checksum()));
    }

    private static void checkStoredLength(String key, io.tarn.api.BlockRef ref, ByteBuffer object) {
        if (object.remaining() != ref.storedLength())
            throw corrupt(key, "object has " + object.remaining() + " bytes, the block map says " + ref.storedLength());
    }

    private byte[] decode(String key, long blockId, ByteBuffer object, boolean checkCrc, int expectedCrc) {
        try {
            BlockFormat.Header h = checkedHeader(object, blockId);
            checkCipher(h);
            if (checkCrc && h.payloadCrc() != expectedCrc)
                throw new BlockFormat.Corrupt("payload checksum differs from the block map's");
            int size = object.remaining();
            int payload = size - h.headerLength();
            if (payload < h.payloadLength()) throw new BlockFormat.Corrupt("truncated: " + size + " bytes, header promises "
                    + (h.headerLength() + h.payloadLength()));
            if (payload > h.payloadLength()) throw new BlockFormat.Corrupt("trailing bytes after the payload");
            ByteBuffer p = object.duplicate().position(object.position() + h.headerLength()).slice();
            if (BlockFormat.crc(p) != h.payloadCrc()) throw new BlockFormat.Corrupt("payload checksum mismatch");
            Compression c = Compression.byId(h.codec());
            if (c == null) throw new BlockFormat.Corrupt("codec id " + h.codec() + " is not known to this build");
            byte[] src;
            int srcOff;
            if (p.hasArray()) {
                src = p.array();
                srcOff = p.arrayOffset() + p.position();
            } else {
                src = new byte[p.remaining()];
                p.duplicate().get(src);
                srcOff = 0;
            }
            if (cipher != null) return decrypted(object, h, src, srcOff, c);
            if (c == Compression.NONE && h.chunkCrcs().length != BlockFormat.chunks(h.plainLength()))
                throw new BlockFormat.Corrupt("raw block without its chunk table");
            byte[] plain = new byte[h.plainLength()];
            if (!c.decompress(src, srcOff, h.payloadLength(), plain)) throw new BlockFormat.Corrupt(c.volumeName() + " payload does not decode");
            if (c != Compression.NONE && BlockFormat.crc(plain, 0, plain.length) != h.plainCrc())
                throw new BlockFormat.Corrupt("plain checksum mismatch");
            return plain;
        } catch (BlockFormat.Corrupt e) {
            throw corrupt(key, e.getMessage());
        }
    }

    /** Authenticates and decrypts a payload whose CRC already matched, then decompresses it. */
    private byte[] decrypted(ByteBuffer object, BlockFormat.Header h, byte[] src, int srcOff, Compression c) {
        byte[] aad = aad(object);
        byte[] body = h.cipher() == BlockCipher.SEGMENTED_ID
                ? cipher.decryptSegments(h.keyGeneration(), h.nonce(), aad, src, srcOff, h.payloadLength())
                : cipher.decrypt(h.keyGeneration(), h.nonce(), aad, aad.length, src, srcOff, h.payloadLength());
        if (c == Compression.NONE) {
            if (body.length != h.plainLength()) throw new BlockFormat.Corrupt("decrypted " + body.length + " bytes, header says " + h.plainLength());
            return body;
        }
        byte[] plain = new byte[h.plainLength()];
        if (!c.decompress(body, 0, body.length, plain)) throw new BlockFormat.Corrupt(c.volumeName() + " payload does not decode");
        return plain;
    }

    /**
     * If an object of {@code storedLength} bytes may be a raw block, its plain length, else -1. A hint
     * only (a compressed object can have the same size); the header of a ranged read settles it.
     */
    static int rawPlainLength(int storedLength) {
        int guess = (int) ((storedLength - BlockFormat.FIXED - 4L) * BlockFormat.CHUNK / (BlockFormat.CHUNK + 4));
        for (int p = Math.max(0, guess - 2); p <= guess + 2; p++)
            if (p <= BlockFormat.MAX_PLAIN && BlockFormat.headerLength(true, p) + p == storedLength) return p;
        return -1;
    }

    /** Object bytes {@code [0, headerLength)} of a raw block of {@code plainLength}. */
    static int rawHeaderLength(int plainLength) {
        return BlockFormat.headerLength(true, plainLength);
    }

    /**
     * Plain bytes of chunks {@code [firstChunk, firstChunk + n)} of a raw block, from its header bytes and the
     * payload bytes of those chunks, each chunk verified against the header's chunk table; null if the
     * header is sound but the block is not stored raw (then only a whole read can serve it).
     */
    public byte[] decodeChunks(String key, long blockId, ByteBuffer header, int firstChunk, ByteBuffer chunks) {
        try {
            BlockFormat.Header h = checkedHeader(header, blockId);
            checkCipher(h);
            if (h.codec() != Compression.NONE.id || h.cipher() != CIPHER_NONE) return null;
            int from = firstChunk << BlockFormat.CHUNK_SHIFT;
            if (firstChunk < 0 || from > h.plainLength()) throw new BlockFormat.Corrupt("chunk " + firstChunk + " out of range");
            byte[] out = new byte[chunks.remaining()];
            chunks.duplicate().get(out);
            int pos = 0;
            for (int c = firstChunk; pos < out.length; c++) {
                if (c >= h.chunkCrcs().length) throw new BlockFormat.Corrupt("more bytes than chunks");
                int want = Math.min(BlockFormat.CHUNK, h.plainLength() - (c << BlockFormat.CHUNK_SHIFT));
                if (pos + want > out.length) throw new BlockFormat.Corrupt("truncated in chunk " + c);
                if (BlockFormat.crc(out, pos, want) != h.chunkCrcs()[c]) throw new BlockFormat.Corrupt("checksum mismatch in chunk " + c);
                pos += want;
            }
            return out;
        } catch (BlockFormat.Corrupt e) {
            throw corrupt(key, e.getMessage());
        }
    }

    private static BlockFormat.Header checkedHeader(ByteBuffer object, long blockId) {
        BlockFormat.Header h = BlockFormat.read(object);
        if (h.blockId() != blockId)
            throw new BlockFormat.Corrupt(String.format("holds block %016x, not %016x", h.blockId(), blockId));
        return h;
    }

    /**
     * An encrypted volume accepts only encrypted objects: a plain object put under a block id by whoever
     * controls the store would otherwise pass every CRC and be returned as file bytes.
     */
    private void checkCipher(BlockFormat.Header h) {
        if (cipher == null && h.cipher() != CIPHER_NONE)
            throw new BlockFormat.Corrupt("encrypted with cipher " + h.cipher() + ", which this client cannot decrypt");
        if (cipher != null && h.cipher() == CIPHER_NONE)
            throw new BlockFormat.Corrupt("not encrypted, but the volume is");
        if (cipher != null && h.cipher() != BlockCipher.CIPHER_ID && h.cipher() != BlockCipher.SEGMENTED_ID)
            throw new BlockFormat.Corrupt("encrypted with cipher " + h.cipher() + ", which this client cannot decrypt");
    }

    static FsException corrupt(String key, String why) {
        FsException e = new FsException(Errno.EIO, "block object " + key + " is corrupt: " + why);
        LOG.log(System.Logger.Level.WARNING, e.getMessage());
        return e;
    }
}
