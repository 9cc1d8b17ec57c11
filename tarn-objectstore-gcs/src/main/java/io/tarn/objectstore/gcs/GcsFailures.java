package io.tarn.objectstore.gcs;

import com.google.cloud.BaseServiceException;
import io.tarn.api.ObjectStoreException;

import java.io.IOException;

/**
 * Google Cloud Storage failures as {@link ObjectStoreException}s: 429, 408, 5xx and network failures
 * (code 0) may pass; 401, 403, 404 on the bucket and bad requests will not.
 */
final class GcsFailures {
    private GcsFailures() {}

    static ObjectStoreException map(String store, String what, RuntimeException e) {
        if (e instanceof BaseServiceException s) {
            int code = s.getCode();
            String hint = switch (code) {
                case 401 -> ": not authenticated (check the credentials file or application default credentials)";
                case 403 -> ": forbidden (check the service account's roles on the bucket)";
                case 404 -> ": the bucket does not exist";
                default -> "";
            };
            boolean retryable = code == 0 || code == 408 || code == 429 || code >= 500 || s.isRetryable();
            return new ObjectStoreException("%s: %s failed: %s%s%s".formatted(store, what,
                    code == 0 ? "" : "HTTP " + code + " ", s.getReason() == null ? "" : s.getReason(), hint), retryable && code != 401 && code != 403, e);
        }
        for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause())
            if (c instanceof IOException)
                return new ObjectStoreException(store + ": " + what + " failed: " + c.getClass().getSimpleName(), true, e);
        return new ObjectStoreException(store + ": " + what + " failed: " + e.getClass().getSimpleName(), false, e);
    }
}
