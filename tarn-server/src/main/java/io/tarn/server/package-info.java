/**
 * The metadata server process: {@link io.tarn.server.MetadataServer} opens the store, runs the
 * metadata engine over it and serves it over RPC. It holds no client, cache or FUSE code.
 */
package io.tarn.server;
