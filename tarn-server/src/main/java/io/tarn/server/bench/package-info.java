/**
 * Latency and throughput harness for the metadata path: lookup, getattr, create and rename through
 * any {@link io.tarn.api.MetaService}, in-process or over RPC. Plain Java; reports, never asserts.
 */
package io.tarn.server.bench;
