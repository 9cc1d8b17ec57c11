/**
 * File data as immutable block objects: the self-describing object format ({@link io.tarn.client.block.BlockFormat}),
 * compression and verification ({@link io.tarn.client.block.BlockCodec}), object keys
 * ({@link io.tarn.client.block.BlockKeys}), the bounded decoded-block cache and the parallel
 * {@link io.tarn.client.block.BlockStore}. This layer knows objects and block ids, not files or inodes;
 * it is where object-store failures become {@link io.tarn.api.FsException}s (EIO), after retries.
 */
package io.tarn.client.block;
