/**
 * An in-memory filesystem served through Tarn's FUSE transport, and its launcher: the reference
 * workload for the transport's end-to-end tests, handoff tests and benchmarks. It is not a model of
 * Tarn's semantics and keeps nothing across restarts except through a handoff.
 */
package io.tarn.testkit.memfs;
