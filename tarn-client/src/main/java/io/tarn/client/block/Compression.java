package io.tarn.client.block;

import com.github.luben.zstd.Zstd;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.util.Locale;

/** The payload codecs of block objects; the id is what the object header records. */
public enum Compression {
    NONE(0), LZ4(1), ZSTD(2);

    private static final int ZSTD_LEVEL = 3;
    private static final LZ4Compressor LZ4_COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    private static final LZ4SafeDecompressor LZ4_DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

    public final int id;

    Compression(int id) {
        this.id = id;
    }

    /** The volume setting "lz4", "zstd" or "none"; EINVAL otherwise. */
    public static Compression parse(String name) {
        return switch (name == null ? "lz4" : name.toLowerCase(Locale.ROOT)) {
            case "lz4" -> LZ4;
            case "zstd" -> ZSTD;
            case "none" -> NONE;
            default -> throw FsException.of(Errno.EINVAL, "unknown compression %s (lz4, zstd or none)", name);
        };
    }

    /** The codec with header id {@code id}, or null if this build does not know it. */
    static Compression byId(int id) {
        for (Compression c : values()) if (c.id == id) return c;
        return null;
    }

    /** Room {@link #compress} may need for {@code len} input bytes. */
    int maxCompressedLength(int len) {
        return switch (this) {
            case NONE -> len;
            case LZ4 -> LZ4_COMPRESSOR.maxCompressedLength(len);
            case ZSTD -> (int) Math.min(Integer.MAX_VALUE - 64, Zstd.compressBound(len));
        };
    }

    /** Compresses {@code src[off, off+len)} into {@code dst} at {@code dstOff}; returns the compressed length. */
    int compress(byte[] src, int off, int len, byte[] dst, int dstOff) {
        return switch (this) {
            case NONE -> {
                System.arraycopy(src, off, dst, dstOff, len);
                yield len;
            }
            case LZ4 -> LZ4_COMPRESSOR.compress(src, off, len, dst, dstOff, dst.length - dstOff);
            case ZSTD -> {
                long n = Zstd.compressByteArray(dst, dstOff, dst.length - dstOff, src, off, len, ZSTD_LEVEL);
                if (Zstd.isError(n)) throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
                yield (int) n;
            }
        };
    }

    /**
     * Decompresses {@code src[off, off+len)} into exactly {@code dst.length} bytes; returns false if the
     * input is malformed or decodes to another length (never throws on bad input).
     */
    boolean decompress(byte[] src, int off, int len, byte[] dst) {
        try {
            return switch (this) {
                case NONE -> {
                    if (len != dst.length) yield false;
                    System.arraycopy(src, off, dst, 0, len);
                    yield true;
                }
                case LZ4 -> LZ4_DECOMPRESSOR.decompress(src, off, len, dst, 0, dst.length) == dst.length;
                case ZSTD -> {
                    long n = Zstd.decompressByteArray(dst, 0, dst.length, src, off, len);
                    yield !Zstd.isError(n) && n == dst.length;
                }
            };
        } catch (LZ4Exception | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    public String volumeName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
