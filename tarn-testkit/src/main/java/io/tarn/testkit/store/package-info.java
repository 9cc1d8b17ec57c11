/**
 * The contract every {@link io.tarn.api.ObjectStore} must keep, as an abstract JUnit 5 suite that each
 * implementation's test extends ({@link io.tarn.testkit.store.ObjectStoreContract}). Test code only.
 */
package io.tarn.testkit.store;
