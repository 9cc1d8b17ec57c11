/**
 * {@code tarn store check} and {@code tarn store bench}: probe and measure a raw object store by URI, below
 * Tarn's block layer (no codec, no cache, no retries), so the figures are the physical limit that a mount's
 * figures are compared with. Nothing here knows volumes or metadata.
 */
package io.tarn.cli.store;
