/**
 * Write-back staging in front of an object store: puts durable on local disk, uploaded in the background
 * (ADR 0071). Used by a client mounted with {@code -o writeback} and by the proxy (ADR 0140).
 */
package io.tarn.objectstore.writeback;
