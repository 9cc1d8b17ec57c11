package io.tarn.objectstore.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobStorageException;
import io.tarn.api.ObjectStoreException;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Azure SDK failures as {@link ObjectStoreException}s with a retry verdict: throttling (503 ServerBusy,
 * 429), 5xx, timeouts and broken connections may pass; authorization, a missing container and bad
 * requests will not. Messages carry the service's error code, never a key or a signature.
 */
final class AzureFailures {
    private AzureFailures() {}

    static ObjectStoreException map(String store, String what, RuntimeException e) {
        if (e instanceof BlobStorageException b) {
            int status = b.getStatusCode();
            String code = b.getErrorCode() == null ? "" : b.getErrorCode().toString();
            String hint = switch (code) {
                case "ContainerNotFound" -> ": the container does not exist";
                case "AuthenticationFailed" -> ": authentication failed (check the account key or connection string)";
                case "AuthorizationFailure", "AuthorizationPermissionMismatch" -> ": not authorized (check the role assignments)";
                default -> "";
            };
            return new ObjectStoreException("%s: %s failed: HTTP %d %s%s".formatted(store, what, status, code, hint),
                    status == 408 || status == 429 || status >= 500, e);
        }
        if (e instanceof HttpResponseException h) {
            int status = h.getResponse() == null ? 0 : h.getResponse().getStatusCode();
            return new ObjectStoreException("%s: %s failed: HTTP %d".formatted(store, what, status),
                    status == 0 || status == 408 || status == 429 || status >= 500, e);
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof TimeoutException)
                return new ObjectStoreException(store + ": " + what + " failed: " + c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : " " + firstLine(c.getMessage())), true, e);
            if (c.getCause() == c) break;
        }
        return new ObjectStoreException(store + ": " + what + " failed: " + firstLine(String.valueOf(e.getMessage())), false, e);
    }

    private static String firstLine(String m) {
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
