/**
 * The contract of {@link io.tarn.api.MetaService}, as abstract JUnit 5 suites that every
 * implementation (in-process engines, the remote RPC client) runs through
 * {@link io.tarn.testkit.meta.MetaServiceContract}. Uses only the interface, so it runs over a network.
 */
package io.tarn.testkit.meta;
