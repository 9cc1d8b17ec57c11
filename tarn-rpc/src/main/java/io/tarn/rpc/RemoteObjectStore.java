package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.api.auth.AccessToken;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An {@link ObjectStore} served by one proxy over Tarn's RPC transport (ADR 0140): TLS and the access
 * token as {@link RpcOptions} say, one multiplexed connection, calls resent after a lost connection
 * (every object call is idempotent) and waiting out an outage up to the ride-through. Failures are
 * {@link ObjectStoreException}s: retryable for an unreachable proxy or a store failure the proxy calls
 * retryable, final for a refusal (TLS, token, read-only: the message says which). Thread-safe.
 */
public final class RemoteObjectStore implements ObjectStore {
    private final ServerLink link;
    private final String address;
    private final RpcOptions opts;

    private RemoteObjectStore(String address, RpcOptions opts) {
        this.address = address;
        this.opts = opts;
        this.link = new ServerLink("proxy", address, RemoteMetaService.parse(address), opts, epoch -> { });
    }

    /**
     * Connects to the proxy at {@code host:port} within the connect timeout: an FsException with one line
     * if it cannot (ECONNREFUSED, ETIMEDOUT, EPROTO for a TLS mismatch, EACCES for a refused token).
     */
    public static RemoteObjectStore connect(String address, RpcOptions opts) {
        return new RemoteObjectStore(address, opts);
    }

    /** What the proxy said the token allows (null: none presented, or the proxy checks none). */
    public AccessToken grant() {
        return link.grant();
    }

    public String address() {
        return address;
    }

    private <T> T call(Op op, WireOut request, Function<WireIn, T> decode) {
        byte[] frame = request.frame();
        int length = request.length();
        long timeout = opts.callTimeout().toNanos();
        int losses = 0;
        long firstLoss = 0;
        while (true) {
            byte[] reply;
            try {
                ClientConnection c = link.await();
                try {
                    reply = c.call(frame, length, timeout, op.method());
                } catch (ClientConnection.Lost lost) {
                    link.lost(c);
                    if (Thread.currentThread().isInterrupted())
                        throw FsException.of(Errno.EINTR, "%s to proxy %s interrupted", op.method(), address);
                    if (losses++ == 0) firstLoss = System.nanoTime();
                    else if (losses > RemoteMetaService.MAX_LOSSES || System.nanoTime() - firstLoss > opts.rideThrough().toNanos())
                        throw FsException.of(Errno.EIO, "proxy %s dropped the connection %d times during one %s call",
                                address, losses, op.method());
                    continue;
                }
            } catch (FsException e) {
                // Raised on this side: the proxy is away (worth retrying later) or refused this client for good.
                boolean final_ = switch (e.errno()) {
                    case EACCES, EPERM, EPROTO, E2BIG, EINTR, EINVAL -> true;
                    default -> false;
                };
                throw failure(op, e, !final_);
            }
            WireIn in = new WireIn(reply, Wire.RESPONSE_HEADER, reply.length - Wire.RESPONSE_HEADER);
            if (reply[8] != Wire.OK) {
                FsException e = CallDispatcher.decodeError(in);
                // The proxy says EAGAIN for a store failure worth retrying, ETIMEDOUT for a call that waited too long.
                throw failure(op, e, e.errno() == Errno.EAGAIN || e.errno() == Errno.ETIMEDOUT);
            }
            try {
                T result = decode.apply(in);
                in.end();
                return result;
            } catch (FsException e) {
                throw failure(op, FsException.of(Errno.EIO, "bad reply to %s from proxy %s: %s", op.method(), address, e.getMessage()), false);
            }
        }
    }

    private ObjectStoreException failure(Op op, FsException e, boolean retryable) {
        String msg = e.getMessage();
        if (!msg.contains(address)) msg = "proxy " + address + ": " + op.method() + ": " + msg;
        return new ObjectStoreException(msg, retryable, e);
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        return call(Op.OBJECT_GET, WireOut.request(Op.OBJECT_GET).str(key).i64(offset).i32(length),
                in -> in.bool() ? Optional.of(in.bytesView()) : Optional.empty()); // the reply frame is the caller's alone
    }

    @Override
    public void put(String key, ByteBuffer data) {
        call(Op.OBJECT_PUT, WireOut.request(Op.OBJECT_PUT).str(key).byteBuffer(data), in -> null);
    }

    @Override
    public void delete(String key) {
        call(Op.OBJECT_DELETE, WireOut.request(Op.OBJECT_DELETE).str(key), in -> null);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return call(Op.OBJECT_HEAD, WireOut.request(Op.OBJECT_HEAD).str(key),
                in -> in.bool() ? Optional.of(new ObjectInfo(key, in.i64(), in.i64())) : Optional.empty());
    }

    /** Pages of up to 1000 objects, each asked for when the previous one is used up. */
    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        Iterator<ObjectInfo> pages = new Iterator<>() {
            private List<ObjectInfo> page = List.of();
            private int at;
            private String after = startAfter;
            private boolean last;

            @Override
            public boolean hasNext() {
                if (at < page.size()) return true;
                if (last) return false;
                page = call(Op.OBJECT_LIST, WireOut.request(Op.OBJECT_LIST).str(prefix).str(after).i32(ObjectStoreDispatcher.MAX_LIST),
                        RemoteObjectStore::objectInfos);
                at = 0;
                last = page.size() < ObjectStoreDispatcher.MAX_LIST;
                if (!page.isEmpty()) after = page.getLast().key();
                return !page.isEmpty();
            }

            @Override
            public ObjectInfo next() {
                if (!hasNext()) throw new NoSuchElementException();
                return page.get(at++);
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private static List<ObjectInfo> objectInfos(WireIn in) {
        int n = in.i32();
        if (n < 0 || n > ObjectStoreDispatcher.MAX_LIST) throw WireIn.malformed("list of %d objects", n);
        List<ObjectInfo> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(new ObjectInfo(in.str(), in.i64(), in.i64()));
        return list;
    }

    @Override
    public String describe() {
        return "proxy " + address;
    }

    @Override
    public void close() {
        link.close();
    }
}
