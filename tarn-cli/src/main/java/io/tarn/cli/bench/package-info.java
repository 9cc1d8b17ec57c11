/**
 * {@code tarn bench PATH}: a filesystem benchmark run through any mounted directory (a Tarn mount or
 * another filesystem, for comparison): big-file write and read, small-file write, read and stat,
 * directory listing, with throughput and latency per phase. It measures; it asserts nothing.
 */
package io.tarn.cli.bench;
