/**
 * The storage seam under the metadata engine: a small transactional ordered key-value interface
 * (snapshot reads, serializable durable writes, byte-ordered range scans) small enough for an
 * embedded store (RocksDB) or a SQL table to implement. No POSIX meaning lives here.
 */
package io.tarn.api.kv;
