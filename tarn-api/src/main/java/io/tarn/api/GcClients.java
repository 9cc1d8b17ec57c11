package io.tarn.api;

/**
 * What garbage collection must know about a volume's clients before deleting an upload nothing
 * references: ids at or above {@code reservedBelow} were never handed out, so no client can commit
 * them; {@code oldestSessionOpenedNs} is when the oldest live session of the volume opened (-1: none),
 * as only a session open when an object was written can still commit it.
 */
public record GcClients(long reservedBelow, long oldestSessionOpenedNs) {

    /** Whether a live session may still commit the unreferenced object {@code blockId} written at {@code writtenMillis}. */
    public boolean mayCommit(long blockId, long writtenMillis) {
        return blockId > 0 && blockId < reservedBelow && oldestSessionOpenedNs >= 0
                && oldestSessionOpenedNs / 1_000_000L <= writtenMillis;
    }
}
