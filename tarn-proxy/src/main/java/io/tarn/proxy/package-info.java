/**
 * The proxy (ADR 0140): a shared write-back block cache (RAM + local disk) in front of an object store,
 * serving Tarn clients over the RPC transport with TLS and access tokens checked with the metadata server.
 */
package io.tarn.proxy;
