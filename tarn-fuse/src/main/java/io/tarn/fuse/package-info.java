/**
 * Tarn's FUSE transport: the kernel protocol spoken over /dev/fuse with FFM, no libfuse. A
 * {@link io.tarn.fuse.FuseFilesystem} (inode based, one method per operation) is served by a
 * {@link io.tarn.fuse.FuseSession} (INIT negotiation, worker threads on cloned queues, deferred
 * replies, interrupts, notifications, handoff to a successor process). This layer translates; it
 * holds no filesystem state and makes no permission decisions of its own.
 *
 * <pre>{@code
 * // serve until unmounted, replaceable by a successor process
 * FuseSession s = FuseSession.mount(MountOptions.at(mnt), fs, FuseConfig.defaults()).start();
 * s.listenForHandoff(ControlSocket.pathFor(mnt));
 * s.join();                 // UNMOUNTED, CLOSED or HANDED_OFF
 *
 * // the successor (e.g. started by `tarn upgrade MOUNTPOINT`)
 * FuseSession next = FuseSession.takeOver(ControlSocket.pathFor(mnt), fs2, FuseConfig.defaults());
 * next.listenForHandoff(ControlSocket.pathFor(mnt));
 *
 * // whatever state a mount is in
 * FuseSession.forceUnmount(mnt);
 * }</pre>
 */
package io.tarn.fuse;
