/**
 * Native plumbing: libc downcalls through FFM (open, read, writev, ioctl, mount, poll, sockets,
 * posix_spawn) and AF_UNIX sockets that pass file descriptors. It knows nothing about FUSE; it is
 * not a general POSIX binding either, only the calls the transport needs.
 */
package io.tarn.fuse.sys;
