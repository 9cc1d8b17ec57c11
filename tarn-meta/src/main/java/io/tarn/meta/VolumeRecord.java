package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.VolumeInfo;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A volume as stored: its internal id (the key prefix of its data) and what {@link VolumeInfo} shows. */
record VolumeRecord(long id, String name, String uuid, String storeUri, int blockSize, String compression,
                    long retentionSeconds, long createdNs) {
    static final long ROOT_INO = 1;
    private static final byte FORMAT = 1;

    VolumeInfo info() {
        return new VolumeInfo(name, uuid, storeUri, blockSize, compression, retentionSeconds, createdNs, ROOT_INO);
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
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static VolumeRecord decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(v));
            if (in.readByte() != FORMAT) throw FsException.of(Errno.EIO, "unknown volume record format");
            return new VolumeRecord(in.readLong(), in.readUTF(), in.readUTF(), in.readUTF(), in.readInt(),
                    in.readUTF(), in.readLong(), in.readLong());
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt volume record", e);
        }
    }
}
