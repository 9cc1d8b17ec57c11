/**
 * The client's filesystem API: {@link io.tarn.client.Vfs}, one inode-based method per FUSE low-level
 * operation, implemented by {@link io.tarn.client.TarnVfs} over a {@link io.tarn.api.MetaService} and a
 * {@link io.tarn.client.block.BlockStore}; {@link io.tarn.client.Volume}, a path-based facade for tools and
 * tests; and {@link io.tarn.client.ClientConfig}. No FUSE, RPC or metadata-engine types appear here:
 * adapters translate to and from these.
 */
package io.tarn.client;
