/**
 * Tarn's shared vocabulary: value records, the error type, and the seams between layers
 * ({@link io.tarn.api.ObjectStore}, {@link io.tarn.api.MetaService}, the KvStore of the
 * metadata engines). JDK only; nothing here does I/O.
 */
package io.tarn.api;
