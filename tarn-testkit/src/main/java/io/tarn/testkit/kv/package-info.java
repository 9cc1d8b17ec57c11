/**
 * The contract every {@link io.tarn.api.kv.KvStore} engine must keep, as an abstract JUnit 5 suite
 * ({@link io.tarn.testkit.kv.KvStoreContract}) that each engine's test extends. Test code only.
 */
package io.tarn.testkit.kv;
