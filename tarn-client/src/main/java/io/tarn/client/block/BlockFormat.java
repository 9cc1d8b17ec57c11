package io.tarn.client.block;

import io.tarn.api.VolumeSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The byte layout of a block object (big endian): a header, then the payload.
 * <pre>
 *  0 magic "TRNB"        4 version (1)       5 codec id        6 cipher id (0: none)   7 flags (0)
 *  8 header length      12 block id (8)     20 plain length   24 payload length        28 CRC32C of payload
 * 32 CRC32C of plain    36 chunk shift      37 nonce length   38 key generation (2)    40 nonce room (16)
 * 56 raw blocks only: CRC32C of each 2^chunkShift-byte chunk of the payload
 *  . CRC32C of all header bytes before it
 * </pre>
 * Binding the block id in the header catches an object that is whole but is not the one asked for;
 * the chunk CRCs let a ranged read of a raw block verify just the chunks it fetched. The key
 * generation (ADR 0092; 0 in plain objects and in encrypted ones written before rotation existed,
 * which mean generation 1) tells which key decrypts the payload.
 */
final class BlockFormat {
    static final int MAGIC = 0x54524E42;
    static final int VERSION = 1;
    static final int FIXED = 56;
    static final int NONCE_ROOM = 16;
    static final int CHUNK_SHIFT = 16;
    static final int CHUNK = 1 << CHUNK_SHIFT;
    static final int MAX_PLAIN = VolumeSpec.MAX_BLOCK_SIZE;
    static final int MAX_HEADER = FIXED + 4 * chunks(MAX_PLAIN) + 4;

    private BlockFormat() {}

    static int chunks(int plainLength) {
        return (plainLength + CHUNK - 1) >>> CHUNK_SHIFT;
    }

    static int headerLength(boolean raw, int plainLength) {
        return FIXED + (raw ? 4 * chunks(plainLength) : 0) + 4;
    }

    /** Decoded header fields; {@code chunkCrcs} is empty unless the payload is stored raw. */
    record Header(int version, int codec, int cipher, int headerLength, long blockId, int plainLength,
                  int payloadLength, int payloadCrc, int plainCrc, int chunkShift, int[] chunkCrcs, byte[] nonce, int keyGeneration) {
        /** A header without a nonce (cipher 0). */
        Header(int version, int codec, int cipher, int headerLength, long blockId, int plainLength,
               int payloadLength, int payloadCrc, int plainCrc, int chunkShift, int[] chunkCrcs) {
            this(version, codec, cipher, headerLength, blockId, plainLength, payloadLength, payloadCrc, plainCrc, chunkShift,
                    chunkCrcs, new byte[0], 0);
        }
    }

    static void write(ByteBuffer out, Header h) {
        ByteBuffer b = out.duplicate().order(ByteOrder.BIG_ENDIAN);
        int base = b.position();
        b.putInt(MAGIC).put((byte) h.version()).put((byte) h.codec()).put((byte) h.cipher()).put((byte) 0)
                .putInt(h.headerLength()).putLong(h.blockId()).putInt(h.plainLength()).putInt(h.payloadLength())
                .putInt(h.payloadCrc()).putInt(h.plainCrc()).put((byte) h.chunkShift()).put((byte) h.nonce().length).putShort((short) h.keyGeneration());
        b.put(h.nonce()).put(new byte[NONCE_ROOM - h.nonce().length]);
        for (int c : h.chunkCrcs()) b.putInt(c);
        b.putInt(crc(b.duplicate().position(base).limit(b.position()).slice()));
    }

    /** Parses and checks a header on its own; throws {@link Corrupt} naming what is wrong. */
    static Header read(ByteBuffer in) {
        ByteBuffer b = in.duplicate().order(ByteOrder.BIG_ENDIAN);
        int base = b.position();
        if (b.remaining() < FIXED + 4) throw new Corrupt("object of " + b.remaining() + " bytes is shorter than a header");
        if (b.getInt(base) != MAGIC) throw new Corrupt("bad magic, not a Tarn block object");
        int version = b.get(base + 4) & 0xff;
        if (version != VERSION) throw new Corrupt("format version " + version + " is not known to this build");
        int headerLength = b.getInt(base + 8);
        if (headerLength < FIXED + 4 || headerLength > MAX_HEADER || (headerLength - FIXED) % 4 != 0)
            throw new Corrupt("bad header length " + headerLength);
        if (b.remaining() < headerLength) throw new Corrupt("truncated inside the header");
        int stored = b.getInt(base + headerLength - 4);
        if (crc(b.duplicate().position(base).limit(base + headerLength - 4).slice()) != stored)
            throw new Corrupt("header checksum mismatch");
        int chunkShift = b.get(base + 36) & 0xff;
        int nChunks = (headerLength - FIXED - 4) / 4;
        int[] chunkCrcs = new int[nChunks];
        for (int i = 0; i < nChunks; i++) chunkCrcs[i] = b.getInt(base + FIXED + 4 * i);
        int nonceLength = b.get(base + 37) & 0xff;
        if (nonceLength > NONCE_ROOM) throw new Corrupt("bad nonce length " + nonceLength);
        byte[] nonce = new byte[nonceLength];
        b.get(base + 40, nonce);
        Header h = new Header(version, b.get(base + 5) & 0xff, b.get(base + 6) & 0xff, headerLength, b.getLong(base + 12),
                b.getInt(base + 20), b.getInt(base + 24), b.getInt(base + 28), b.getInt(base + 32), chunkShift, chunkCrcs, nonce,
                b.getShort(base + 38) & 0xffff);
        if (h.plainLength() < 0 || h.plainLength() > MAX_PLAIN) throw new Corrupt("bad plain length " + h.plainLength());
        if (h.payloadLength() < 0) throw new Corrupt("bad payload length " + h.payloadLength());
        if (nChunks > 0 && (chunkShift != CHUNK_SHIFT || nChunks != chunks(h.plainLength())))
            throw new Corrupt("chunk table does not match the plain length");
        return h;
    }

    static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate());
        return (int) c.getValue();
    }

    static int crc(byte[] a, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    /** Why an object failed verification; {@link BlockCodec} turns it into EIO naming the key. */
    static final class Corrupt extends RuntimeException {
        Corrupt(String why) {
            super(why, null, false, false);
        }
    }
}
