package io.tarn.rpc;

/** Runs one decoded request of a connection and encodes its reply; never throws (errors become error replies). */
interface Dispatch {
    /** Handles the request in {@code payload[0, length)} that arrived at {@code arrivalNanos}; the whole reply frame. */
    WireOut handle(byte[] payload, int length, long arrivalNanos);
}
