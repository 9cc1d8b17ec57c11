package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.nio.ByteBuffer;

/** What a mutation returned, kept per (session, request id) so a retried request gets it again. */
sealed interface Outcome {
    record Done() implements Outcome {}

    record OfAttr(Attr attr) implements Outcome {}

    record OfLong(long value) implements Outcome {}

    record Failed(Errno errno, String message) implements Outcome {}

    /** The value the original call returned (null for void), or the original failure thrown again. */
    default Object replay() {
        return switch (this) {
            case Done d -> null;
            case OfAttr a -> a.attr();
            case OfLong l -> l.value();
            case Failed f -> throw new FsException(f.errno(), f.message());
        };
    }

    static Outcome of(Object result) {
        return switch (result) {
            case null -> new Done();
            case Attr a -> new OfAttr(a);
            case Long l -> new OfLong(l);
            default -> throw FsException.of(Errno.EIO, "no outcome encoding for %s", result.getClass());
        };
    }

    default byte[] encode() {
        return switch (this) {
            case Done d -> new byte[]{0};
            case OfAttr(Attr a) -> ByteBuffer.allocate(1 + 8 + 6 * 4 + 4 * 8).put((byte) 1)
                    .putLong(a.ino()).putInt(a.mode()).putInt(a.nlink()).putInt(a.uid()).putInt(a.gid())
                    .putInt(a.rdev()).putInt(0).putLong(a.size()).putLong(a.atimeNs()).putLong(a.mtimeNs())
                    .putLong(a.ctimeNs()).array();
            case OfLong(long v) -> ByteBuffer.allocate(9).put((byte) 2).putLong(v).array();
            case Failed(Errno e, String m) -> {
                byte[] msg = Keys.utf8(m == null ? "" : m);
                yield ByteBuffer.allocate(5 + msg.length).put((byte) 3).putInt(e.code).put(msg).array();
            }
        };
    }

    static Outcome decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        return switch (b.get()) {
            case 0 -> new Done();
            case 1 -> {
                long ino = b.getLong();
                int mode = b.getInt(), nlink = b.getInt(), uid = b.getInt(), gid = b.getInt(), rdev = b.getInt();
                b.getInt();
                yield new OfAttr(new Attr(ino, mode, nlink, uid, gid, rdev, b.getLong(), b.getLong(), b.getLong(), b.getLong()));
            }
            case 2 -> new OfLong(b.getLong());
            case 3 -> new Failed(Errno.of(b.getInt()), Keys.tail(v, 5));
            default -> throw FsException.of(Errno.EIO, "corrupt request outcome record");
        };
    }
}
