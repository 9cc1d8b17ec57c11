package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A volume as stored: its internal id (the key prefix of its data) and what {@link VolumeInfo} shows.
 * Format 2 adds the encryption settings; a format 1 record (written before them) reads as unencrypted.
 * Format 3 adds the proxy group (ADR 0140); older records read as having none.
 */
record VolumeRecord(long id, String name, String uuid, String storeUri, int blockSize, String compression,
                    long retentionSeconds, long createdNs, VolumeEncryption encryption, String proxy) {
    static final long ROOT_INO = 1;
    private static final byte FORMAT_1 = 1, FORMAT_2 = 2, FORMAT = 3;

    VolumeRecord {
        if (encryption == null) encryption = VolumeEncryption.NONE;
        if (proxy == null) proxy = "";
    }

    VolumeRecord(long id, String name, String uuid, String storeUri, int blockSize, String compression,
                 long retentionSeconds, long createdNs, VolumeEncryption encryption) {
        this(id, name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, encryption, "");
    }

    VolumeInfo info() {
        return new VolumeInfo(name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, ROOT_INO, encryption, proxy);
    }

    VolumeRecord withRetention(long seconds) {
        return new VolumeRecord(id, name, uuid, storeUri, blockSize, compression, seconds, createdNs, encryption, proxy);
    }

    VolumeRecord withProxy(String p) {
        return new VolumeRecord(id, name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, encryption, p);
    }

    VolumeRecord withEncryption(VolumeEncryption e) {
        return new VolumeRecord(id, name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, e, proxy);
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeLong(id);
            out.writeUTF(name);
            out.writeUTF(uuid);
            out.writeUTF(storeUri);
            out.writeInt(blockSize);
            out.writeUTF(compression);
            out.writeLong(retentionSeconds);
            out.writeLong(createdNs);
            writeEncryption(out, encryption);
            out.writeUTF(proxy);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static VolumeRecord decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(v));
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_2 && format != FORMAT_1)
                throw FsException.of(Errno.EIO, "unknown volume record format " + format);
            return new VolumeRecord(in.readLong(), in.readUTF(), in.readUTF(), in.readUTF(), in.readInt(),
                    in.readUTF(), in.readLong(), in.readLong(), format == FORMAT_1 ? VolumeEncryption.NONE : readEncryption(in),
                    format == FORMAT ? in.readUTF() : "");
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt volume record", e);
        }
    }

    private static void writeEncryption(DataOutputStream out, VolumeEncryption e) throws IOException {
        out.writeUTF(e.cipher());
        out.writeBoolean(e.encryptNames());
        out.writeInt(e.keys().size());
        for (VolumeEncryption.KeyGeneration k : e.keys()) {
            out.writeInt(k.generation());
            out.write(k.keyCheck());
            byte[] wrapped = k.wrappedPrevious();
            out.writeBoolean(wrapped != null);
            if (wrapped != null) out.write(wrapped);
            VolumeEncryption.Kdf kdf = k.kdf();
            out.writeBoolean(kdf != null);
            if (kdf != null) {
                out.writeUTF(kdf.algorithm());
                out.writeByte(kdf.salt().length);
                out.write(kdf.salt());
                out.writeInt(kdf.memoryKiB());
                out.writeInt(kdf.iterations());
                out.writeInt(kdf.parallelism());
            }
        }
    }

    private static VolumeEncryption readEncryption(DataInputStream in) throws IOException {
        String cipher = in.readUTF();
        boolean names = in.readBoolean();
        int n = in.readInt();
        if (n < 0 || n > 1000) throw new IOException("bad key generation count " + n);
        java.util.List<VolumeEncryption.KeyGeneration> keys = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int generation = in.readInt();
            byte[] check = in.readNBytes(VolumeEncryption.KEY_CHECK_BYTES);
            byte[] wrapped = in.readBoolean() ? in.readNBytes(VolumeEncryption.WRAPPED_KEY_BYTES) : null;
            VolumeEncryption.Kdf kdf = null;
            if (in.readBoolean()) {
                String alg = in.readUTF();
                byte[] salt = in.readNBytes(in.readUnsignedByte());
                kdf = new VolumeEncryption.Kdf(alg, salt, in.readInt(), in.readInt(), in.readInt());
            }
            keys.add(new VolumeEncryption.KeyGeneration(generation, check, wrapped, kdf));
        }
        return new VolumeEncryption(cipher, names, keys);
    }
}
