/**
 * Tarn's FUSE transport: the kernel protocol spoken over /dev/fuse with FFM, no libfuse. A
 * {@link io.tarn.fuse.FuseFilesystem} (inode based, one method per operation) is served by a
 * {@link io.tarn.fuse.FuseSession} (INIT negotiation, worker threads on cloned queues, deferred
 * replies, interrupts, notifications, handoff to a successor process). This layer translates; it
 * holds no filesystem state and makes no permission decisions of its own.
 */
package io.tarn.fuse;
