package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The server half of the object store calls (ADR 0140): decodes one request, calls the connection's
 * {@link ObjectStore} and encodes the reply. A store failure travels as EAGAIN (worth retrying) or EIO
 * (not), a refusal with its own errno; nothing here throws.
 */
final class ObjectStoreDispatcher implements Dispatch {
    private static final System.Logger LOG = System.getLogger(ObjectStoreDispatcher.class.getName());
    /** Most objects one list reply carries; the client asks again after the last key. */
    static final int MAX_LIST = 1000;

    private final ObjectStore store;

    ObjectStoreDispatcher(ObjectStore store) {
        this.store = store;
    }

    @Override
    public WireOut handle(byte[] payload, int length, long arrivalNanos) {
        long callId = WireIn.getLong(payload, 0);
        int code = payload[8] & 0xff;
        int deadlineMillis = WireIn.getInt(payload, 9);
        Op op = Op.of(code);
        if (op == null || !op.objectStore())
            return CallDispatcher.error(callId, new FsException(Errno.ENOSYS,
                    (op == null ? "opcode " + code : op.method()) + ": this is a proxy, not a metadata server"));
        if (deadlineMillis > 0 && System.nanoTime() - arrivalNanos > deadlineMillis * 1_000_000L)
            return CallDispatcher.error(callId, new FsException(Errno.ETIMEDOUT, op.method() + " expired in the proxy's queue"));
        WireIn in = new WireIn(payload, Wire.REQUEST_HEADER, length - Wire.REQUEST_HEADER);
        WireOut out = WireOut.response(callId, Wire.OK);
        try {
            call(op, in, out);
            return out;
        } catch (FsException e) {
            return CallDispatcher.error(callId, e);
        } catch (ObjectStoreException e) {
            return CallDispatcher.error(callId, new FsException(e.retryable() ? Errno.EAGAIN : Errno.EIO, e.getMessage()));
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "proxy call " + op.method() + " failed unexpectedly", e);
            return CallDispatcher.error(callId, new FsException(Errno.EIO, op.method() + " failed on the proxy: " + e));
        }
    }

    private void call(Op op, WireIn in, WireOut out) {
        switch (op) {
            case OBJECT_GET -> {
                String key = in.str();
                long offset = in.i64();
                int len = in.i32();
                in.end();
                if (offset < 0) throw FsException.of(Errno.EINVAL, "negative offset %d", offset);
                Optional<ByteBuffer> got = store.get(key, offset, len);
                out.bool(got.isPresent());
                if (got.isPresent()) out.byteBuffer(got.get());
            }
            case OBJECT_PUT -> {
                String key = in.str();
                ByteBuffer data = in.bytesView(); // this request's own frame: the store copies what it keeps
                in.end();
                if (data == null) throw FsException.of(Errno.EINVAL, "put of %s without data", key);
                store.put(key, data);
            }
            case OBJECT_DELETE -> {
                String key = in.str();
                in.end();
                store.delete(key);
            }
            case OBJECT_HEAD -> {
                String key = in.str();
                in.end();
                Optional<ObjectInfo> i = store.head(key);
                out.bool(i.isPresent());
                if (i.isPresent()) out.i64(i.get().size()).i64(i.get().lastModifiedMillis());
            }
            case OBJECT_LIST -> {
                String prefix = in.str(), startAfter = in.str();
                int max = in.i32();
                in.end();
                int limit = Math.max(1, Math.min(max, MAX_LIST));
                try (Stream<ObjectInfo> s = store.list(prefix, startAfter)) {
                    Iterator<ObjectInfo> it = s.limit(limit).iterator();
                    int at = out.length();
                    out.i32(0);
                    int n = 0;
                    while (it.hasNext()) {
                        ObjectInfo o = it.next();
                        out.str(o.key()).i64(o.size()).i64(o.lastModifiedMillis());
                        n++;
                    }
                    WireOut.putInt(out.frame(), at, n);
                }
            }
            default -> throw new FsException(Errno.ENOSYS, op.method() + ": this is a proxy, not a metadata server");
        }
    }
}
