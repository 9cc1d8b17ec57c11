/**
 * JMH-free micro-benchmarks of the RocksDB metadata engine, run by hand (see docs/adr/0021 and 0020
 * for commands and figures). Never run as tests.
 */
package io.tarn.meta.rocksdb.bench;
