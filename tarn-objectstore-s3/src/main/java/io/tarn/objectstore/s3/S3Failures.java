package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.util.Set;

/**
 * Turns SDK failures into {@link ObjectStoreException}s with a retry verdict, in one place. Throttling
 * (503 SlowDown, 429), server errors, timeouts and broken connections may pass; permissions, a missing
 * bucket and bad requests will not. Messages name the store, the operation and the service's error
 * code, never a credential (the SDK's messages carry none either).
 */
final class S3Failures {
    private static final Set<String> RETRYABLE_CODES = Set.of("SlowDown", "Throttling", "ThrottlingException",
            "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "RequestLimitExceeded",
            "TooManyRequests", "OperationAborted");

    private S3Failures() {}

    static ObjectStoreException map(String store, String what, SdkException e) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            return fromStatus(store, what, s.statusCode(), code, s.isThrottlingException(), e);
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException)
            return new ObjectStoreException(store + ": " + what + " timed out", true, e);
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.startsWith("Unable to load credentials"))
            // The SDK lists every provider it tried, several lines' worth; one actionable line is enough.
            return new ObjectStoreException(store + ": " + what + " failed: no AWS credentials found (set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the URI options profile=NAME or credentials-file=PATH)", false, e);
        if (e instanceof SdkClientException) {
            Throwable io = rootIo(e);
            if (io != null)
                return new ObjectStoreException(store + ": " + what + " failed: " + describe(io), true, e);
            return new ObjectStoreException(store + ": " + what + " failed: " + firstLine(e.getMessage()), e.retryable(), e);
        }
        return new ObjectStoreException(store + ": " + what + " failed: " + firstLine(e.getMessage()), e.retryable(), e);
    }

    /** A failed HTTP exchange with the service: its status and the error code of its body (null if none). */
    static ObjectStoreException fromStatus(String store, String what, int status, String code, boolean throttled, Throwable cause) {
        boolean retryable = status == 429 || status == 408 || status >= 500 || throttled
                || (code != null && RETRYABLE_CODES.contains(code));
        String hint = switch (code == null ? "" : code) {
            case "NoSuchBucket" -> ": the bucket does not exist";
            case "AccessDenied", "AllAccessDisabled" -> ": access denied (check the credentials' permissions)";
            case "InvalidAccessKeyId" -> ": the access key id is not known to the store";
            case "SignatureDoesNotMatch" -> ": the secret key does not match the access key id";
            case "PermanentRedirect", "AuthorizationHeaderMalformed" -> ": the bucket lives in another region (set region=...)";
            default -> status == 403 ? ": forbidden (check credentials and permissions)" : "";
        };
        return new ObjectStoreException("%s: %s failed: HTTP %d %s%s".formatted(store, what, status,
                code == null ? "" : code, hint), retryable, cause);
    }

    private static Throwable rootIo(Throwable t) {
        Throwable io = null;
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) if (c instanceof IOException) io = c;
        return io;
    }

    private static String describe(Throwable io) {
        String m = io.getMessage();
        return io.getClass().getSimpleName() + (m == null ? "" : " " + firstLine(m));
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
