package io.tarn.fuse;

/** One /dev/fuse file descriptor of a session (the mount's own, or a clone): replies go back to the fd the request came from. */
final class Queue {
    final FuseSession session;
    final int fd;
    volatile boolean closed;

    Queue(FuseSession session, int fd) {
        this.session = session;
        this.fd = fd;
    }
}
