package io.tarn.objectstore.s3;

import io.tarn.api.ObjectStoreException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.net.SocketException;

import static org.junit.jupiter.api.Assertions.*;

/** The retry verdicts of S3 failures that S3Proxy cannot be made to produce (throttling, 5xx, timeouts). */
class S3FailuresTest {
    private static ObjectStoreException service(int status, String code) {
        S3Exception e = (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
        return S3Failures.map("s3://b/", "put k", e);
    }

    @Test
    void throttlingServerErrorsAndTimeoutsAreRetryable() {
        assertTrue(service(503, "SlowDown").retryable());
        assertTrue(service(429, "TooManyRequests").retryable());
        assertTrue(service(500, "InternalError").retryable());
        assertTrue(service(400, "RequestTimeout").retryable());
        assertTrue(S3Failures.map("s3://b/", "get k", ApiCallAttemptTimeoutException.create(1000)).retryable());
        assertTrue(S3Failures.map("s3://b/", "get k", SdkClientException.create("reset",
                new SocketException("Connection reset"))).retryable());
    }

    @Test
    void permissionsAndMissingBucketsAreNot() {
        ObjectStoreException denied = service(403, "AccessDenied");
        assertFalse(denied.retryable());
        assertTrue(denied.getMessage().startsWith("s3://b/: put k failed: HTTP 403 AccessDenied"), denied.getMessage());
        assertFalse(service(404, "NoSuchBucket").retryable());
        assertFalse(service(400, "InvalidArgument").retryable());
    }
}
