package io.tarn.objectstore.writeback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The on-disk form of one object staged for write-back: a file named by the hex of the object key,
 * holding the object's bytes and then a CRC32C of them. It is written under a temporary name, synced,
 * renamed into place and the directory synced, so a file with the final name is complete and durable;
 * the checksum catches a file damaged later.
 */
final class StagedFile {
    static final int TRAILER = 4;

    private StagedFile() {}

    /** A staged version of an object: its key and a generation, higher for a later put of the same key. */
    record Version(String key, long gen) {}

    static String name(String key, long gen) {
        return HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + "-" + gen + WriteBackObjectStore.SUFFIX;
    }

    /** The version a staged file holds; IllegalArgumentException if the name is not one of ours. */
    static Version version(String fileName) {
        String base = fileName.substring(0, fileName.length() - WriteBackObjectStore.SUFFIX.length());
        int dash = base.lastIndexOf('-');
        if (dash < 0) throw new IllegalArgumentException("not a staged file: " + fileName);
        return new Version(new String(HexFormat.of().parseHex(base.substring(0, dash)), StandardCharsets.UTF_8),
                Long.parseLong(base.substring(dash + 1)));
    }

    static void write(Path dir, String key, long gen, ByteBuffer data) throws IOException {
        String name = name(key, gen);
        Path tmp = dir.resolve(name + ".tmp-" + Thread.currentThread().threadId());
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                while (data.hasRemaining()) ch.write(data);
                ByteBuffer sum = ByteBuffer.allocate(TRAILER).putInt((int) crc.getValue()).flip();
                while (sum.hasRemaining()) ch.write(sum);
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(dir);
    }

    /** The object's bytes; IOException if the file is damaged (NoSuchFileException if it is gone). */
    static byte[] read(Path dir, String key, long gen) throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve(name(key, gen)));
        if (all.length < TRAILER) throw new IOException("staged file of " + key + " is truncated");
        int n = all.length - TRAILER;
        CRC32C crc = new CRC32C();
        crc.update(all, 0, n);
        if ((int) crc.getValue() != ByteBuffer.wrap(all, n, TRAILER).getInt())
            throw new IOException("staged file of " + key + " fails its checksum");
        return Arrays.copyOf(all, n);
    }

    static void delete(Path dir, String key, long gen) throws IOException {
        Files.deleteIfExists(dir.resolve(name(key, gen)));
    }

    /** Makes the rename durable: without it a crash could forget a file whose put was acknowledged. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
