/**
 * The mount: a thin translation from Tarn's FUSE transport ({@link io.tarn.fuse.FuseFilesystem}) to
 * the client's inode-level {@link io.tarn.client.Vfs}, and the daemon that assembles and serves it.
 * No filesystem logic lives here; anything more than a translation belongs in tarn-client.
 */
package io.tarn.cli.mount;
