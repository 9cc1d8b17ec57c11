/**
 * The {@code tarn} command line: parses arguments, assembles the components (metadata service,
 * object store, client, FUSE transport) and reports failures as one line on stderr with a
 * non-zero exit. It translates only; no filesystem logic lives here.
 */
package io.tarn.cli;
