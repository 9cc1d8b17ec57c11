package io.tarn.objectstore.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.util.Context;
import com.azure.core.util.HttpClientOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.ObjectKeys;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An {@link ObjectStore} on one Azure Blob container and prefix. A put is one Put Blob request with its
 * Content-MD5 (atomic, verified by the service); gets are ranged downloads. Retries are left to
 * RetryingObjectStore: the SDK is told to try once.
 */
public final class AzureBlobObjectStore implements ObjectStore {
    static {
        // The SDK's Netty calls sun.misc.Unsafe memory methods, which JDK 25 warns about on stderr at first use
        // (in the middle of a CLI command's output). Netty without Unsafe works the same, a little slower.
        if (System.getProperty("io.netty.noUnsafe") == null) System.setProperty("io.netty.noUnsafe", "true");
    }

    private final BlobContainerClient container;
    private final AzureOptions options;
    private final String describe;

    public AzureBlobObjectStore(AzureOptions o) {
        this.options = o;
        this.describe = o.describe();
        HttpClient http = HttpClient.createDefault(new HttpClientOptions().setMaximumConnectionPoolSize(o.connections())
                .setResponseTimeout(o.timeout()).setReadTimeout(o.timeout()));
        BlobServiceClientBuilder b = new BlobServiceClientBuilder().httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (int) o.timeout().toSeconds(), null, null, null));
        switch (o.credentials()) {
            case AzureOptions.Credentials.ConnectionString cs -> {
                b.connectionString(cs.value());
                o.endpoint().ifPresent(b::endpoint);
            }
            case AzureOptions.Credentials.AccountKey k -> b.endpoint(o.serviceUrl())
                    .credential(new StorageSharedKeyCredential(o.account().orElseThrow(), k.value()));
            case AzureOptions.Credentials.DefaultChain d -> b.endpoint(o.serviceUrl())
                    .credential(new DefaultAzureCredentialBuilder().build());
        }
        this.container = b.buildClient().getBlobContainerClient(o.location().bucket());
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        ObjectKeys.check(key);
        if (offset < 0) throw new ObjectStoreException("negative offset " + offset + " for " + key, false);
        if (length == 0) return head(key).map(i -> ByteBuffer.allocate(0));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(length > 0 ? length : 64 * 1024);
            BlobRange range = offset == 0 && length < 0 ? null : new BlobRange(offset, length < 0 ? null : (long) length);
            container.getBlobClient(options.location().fullKey(key))
                    .downloadStreamWithResponse(out, range, null, null, false, options.timeout(), Context.NONE);
            return Optional.of(ByteBuffer.wrap(out.toByteArray()));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404 && !"ContainerNotFound".equals(String.valueOf(e.getErrorCode()))) return Optional.empty();
            // A range at or past the end: the blob exists and has nothing there.
            if (e.getStatusCode() == 416) return head(key).map(i -> ByteBuffer.allocate(0));
            throw AzureFailures.map(describe, "get " + key, e);
        } catch (RuntimeException e) {
            throw AzureFailures.map(describe, "get " + key, e);
        }
    }

    @Override
    public void put(String key, ByteBuffer data) {
        ObjectKeys.check(key);
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        try {
            container.getBlobClient(options.location().fullKey(key)).getBlockBlobClient().uploadWithResponse(
                    new BlockBlobSimpleUploadOptions(com.azure.core.util.BinaryData.fromBytes(copy)).setContentMd5(md5(copy)),
                    options.timeout(), Context.NONE);
        } catch (RuntimeException e) {
            throw AzureFailures.map(describe, "put " + key, e);
        }
    }

    @Override
    public void delete(String key) {
        ObjectKeys.check(key);
        try {
            container.getBlobClient(options.location().fullKey(key)).deleteIfExistsWithResponse(null, null, options.timeout(), Context.NONE);
        } catch (RuntimeException e) {
            throw AzureFailures.map(describe, "delete " + key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        ObjectKeys.check(key);
        try {
            BlobProperties p = container.getBlobClient(options.location().fullKey(key))
                    .getPropertiesWithResponse(null, options.timeout(), Context.NONE).getValue();
            return Optional.of(new ObjectInfo(key, p.getBlobSize(), p.getLastModified() == null ? 0 : p.getLastModified().toInstant().toEpochMilli()));
        } catch (BlobStorageException e) {
            // HEAD has no body: a missing container and a missing blob are both a bare 404.
            if (e.getStatusCode() == 404) return Optional.empty();
            throw AzureFailures.map(describe, "head " + key, e);
        } catch (RuntimeException e) {
            throw AzureFailures.map(describe, "head " + key, e);
        }
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        String p = options.location().fullKey(prefix == null ? "" : prefix);
        String after = startAfter == null ? null : options.location().fullKey(startAfter);
        ListBlobsOptions lo = new ListBlobsOptions().setPrefix(p).setMaxResultsPerPage(1000);
        Iterator<BlobItem> items;
        try {
            items = container.listBlobs(lo, null, options.timeout()).iterator();
        } catch (RuntimeException e) {
            throw AzureFailures.map(describe, "list " + p, e);
        }
        // Pages are fetched as the stream is consumed; a failure on a later page is mapped here too.
        Iterator<BlobItem> mapped = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return items.hasNext();
                } catch (RuntimeException e) {
                    throw AzureFailures.map(describe, "list " + p, e);
                }
            }

            @Override
            public BlobItem next() {
                if (!hasNext()) throw new NoSuchElementException();
                return items.next();
            }
        };
        // Blob listings are in key order; the service has no start-after, so earlier keys are skipped here.
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(mapped, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .filter(i -> after == null || i.getName().compareTo(after) > 0)
                .map(i -> new ObjectInfo(options.location().relativeKey(i.getName()),
                        i.getProperties().getContentLength() == null ? 0 : i.getProperties().getContentLength(),
                        i.getProperties().getLastModified() == null ? 0 : i.getProperties().getLastModified().toInstant().toEpochMilli()));
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        // The SDK's shared HTTP resources close with the JVM; nothing is held per store.
    }
}
