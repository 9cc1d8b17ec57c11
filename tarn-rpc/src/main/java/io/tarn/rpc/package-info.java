/**
 * Tarn's metadata wire protocol: {@link io.tarn.rpc.RpcServer} exposes any
 * {@link io.tarn.api.MetaService} on a TCP port and {@link io.tarn.rpc.RemoteMetaService} is the
 * client side of the same seam, with multiplexed calls, deadlines, request ids that make retries
 * safe, reconnects and session re-validation. The format is described in docs/adr/0030-rpc-protocol.md.
 * This package holds no metadata logic and knows no storage engine.
 */
package io.tarn.rpc;
