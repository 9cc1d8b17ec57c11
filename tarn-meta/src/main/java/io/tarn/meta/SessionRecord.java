package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A client session as stored: the volume it works on and when it last showed signs of life. */
record SessionRecord(long volume, String clientName, long openedNs, long heartbeatNs) {
    private static final byte FORMAT = 1;

    SessionRecord withHeartbeat(long ns) {
        return new SessionRecord(volume, clientName, openedNs, ns);
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeLong(volume);
            out.writeUTF(clientName);
            out.writeLong(openedNs);
            out.writeLong(heartbeatNs);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SessionRecord decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            if (in.readByte() != FORMAT) throw FsException.of(Errno.EIO, "unknown session record format");
            return new SessionRecord(in.readLong(), in.readUTF(), in.readLong(), in.readLong());
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt session record", e);
        }
    }
}
