/**
 * Volume keys on the client (ADR 0091-0093): key sources (key file, passphrase with Argon2id), key
 * check values, the key generations of a volume and how older ones are recovered from the newest
 * (each wrapped under the next), and the deterministic encryption of names, symlink targets and xattr
 * values. Nothing here ever sends a key anywhere or logs one.
 */
package io.tarn.client.crypt;
