package io.tarn.api;

/**
 * A failure of the object store itself (network, throttling, permissions, corrupt payload), with
 * a verdict on whether trying again may help. It becomes an {@link Errno} in one place, after
 * retries (usually EIO).
 */
public final class ObjectStoreException extends RuntimeException {
    private final boolean retryable;

    public ObjectStoreException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public ObjectStoreException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public boolean retryable() {
        return retryable;
    }
}
