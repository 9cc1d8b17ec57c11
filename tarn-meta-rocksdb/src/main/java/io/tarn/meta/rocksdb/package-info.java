/**
 * The default metadata engine: {@link io.tarn.api.kv.KvStore} on embedded RocksDB, with serialized
 * writers and a group-committed WAL sync (docs/adr/0021-kvstore-durability.md). No POSIX logic here.
 */
package io.tarn.meta.rocksdb;
