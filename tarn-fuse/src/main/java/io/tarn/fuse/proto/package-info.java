/**
 * The FUSE wire protocol: opcodes, flags and struct sizes from linux/fuse.h. Pure constants; the
 * encoding and decoding of messages lives with the session that owns the buffers.
 */
package io.tarn.fuse.proto;
