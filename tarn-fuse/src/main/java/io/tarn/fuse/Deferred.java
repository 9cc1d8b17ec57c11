package io.tarn.fuse;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reply to a request the filesystem answers later, from any thread. {@code T} is the method's
 * result type (e.g. {@link Data} for read, {@link Entry} for lookup, {@code Void} for unlink).
 * The first completion wins; later ones are ignored.
 */
public final class Deferred<T> {
    private final Request request;
    private final AtomicBoolean done = new AtomicBoolean();

    Deferred(Request request) {
        this.request = request;
    }

    public Request request() {
        return request;
    }

    /** Replies with {@code result} (for READDIR and READDIRPLUS: {@code null}, the sink holds the reply). */
    public void complete(T result) {
        if (done.compareAndSet(false, true)) request.queue.session.replier.reply(request, result, null);
    }

    public void fail(Errno errno) {
        if (done.compareAndSet(false, true)) request.queue.session.replier.error(request, errno.code, null);
    }

    /** Fails with the errno of an {@link FsException}, else EIO (logged). */
    public void fail(Throwable t) {
        if (done.get()) return;
        if (t instanceof FsException e) {
            fail(e.errno());
        } else {
            request.queue.session.replier.logUnexpected(request, t);
            fail(Errno.EIO);
        }
    }

    public boolean isDone() {
        return done.get();
    }
}
