/**
 * The object store on Amazon S3 and S3-compatible services (MinIO, Ceph RGW, S3Proxy ...), with the AWS SDK
 * for Java v2. It plugs into {@code ObjectStores.open} through the {@code s3} scheme. It knows nothing of
 * blocks or volumes, does no retries of its own (RetryingObjectStore does) and never logs a credential.
 */
package io.tarn.objectstore.s3;
