package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends one redo record per committed mutation: the namespace keys it wrote (inodes, dentries,
 * blocks, xattrs), so a past view is a checkpoint plus the records up to an instant (ADR 0020).
 */
final class Journal {
    private static final byte FORMAT = 1;
    private final AtomicLong lastStamp = new AtomicLong();

    /**
     * Appends the record of {@code changes} unless the volume keeps no history. Its time is {@code now}
     * made strictly greater than this server's previous record, so on a serial engine record order is
     * commit order even when the clock is coarse or steps back.
     */
    void append(KvWriter w, VolumeRecord v, long now, long session, String op, StagedWrites changes) {
        if (changes.isEmpty() || v.retentionSeconds() == 0) return;
        long stamp = lastStamp.updateAndGet(prev -> Math.max(prev + 1, now));
        write(w, v.id(), stamp, session, op, changes);
    }

    private static void write(KvWriter w, long vol, long now, long session, String op, StagedWrites changes) {
        byte[] prefix = Keys.volumeData(vol);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeLong(session);
            out.writeUTF(op);
            int[] count = {0};
            changes.forEach((k, v) -> {
                if (!journaled(k, prefix)) return;
                try {
                    out.writeShort(k.length - prefix.length);
                    out.write(k, prefix.length, k.length - prefix.length);
                    out.writeInt(v == null ? -1 : v.length);
                    if (v != null) out.write(v);
                    count[0]++;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (count[0] == 0) return;
            w.put(Keys.journal(vol, now, ThreadLocalRandom.current().nextLong()), bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies one journal record of volume {@code vol} to {@code target}: the redo half of a time-travel view. */
    static void replay(byte[] record, long vol, KvWriter target) {
        byte[] prefix = Keys.volumeData(vol);
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
            if (in.readByte() != FORMAT) throw FsException.of(Errno.EIO, "unknown journal record format");
            in.readLong();
            in.readUTF();
            while (in.available() > 0) {
                byte[] key = new byte[in.readUnsignedShort()];
                in.readFully(key);
                int len = in.readInt();
                if (len < 0) {
                    target.delete(Keys.cat(prefix, key));
                } else {
                    byte[] value = new byte[len];
                    in.readFully(value);
                    target.put(Keys.cat(prefix, key), value);
                }
            }
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt journal record", e);
        }
    }

    /** Whether {@code key} is in a space the journal records (and a view replays). */
    static boolean journaled(byte[] key, byte[] prefix) {
        if (key.length <= prefix.length || !java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length))
            return false;
        byte space = key[prefix.length];
        return space == Keys.INODE || space == Keys.DENTRY || space == Keys.BLOCK || space == Keys.XATTR;
    }
}
