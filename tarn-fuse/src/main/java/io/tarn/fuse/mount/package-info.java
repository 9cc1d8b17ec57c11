/**
 * Mounting and unmounting: mount(2) for root, fusermount3 for everyone else, the mount table, and
 * the forced way out (connection abort + lazy unmount) for a daemon that died or hangs. It does
 * not serve requests.
 */
package io.tarn.fuse.mount;
