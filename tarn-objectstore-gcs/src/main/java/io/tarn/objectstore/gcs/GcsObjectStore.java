package io.tarn.objectstore.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.ObjectStoreException;
import io.tarn.objectstore.ObjectKeys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An {@link ObjectStore} on one Google Cloud Storage bucket and prefix (JSON API client). A put is one
 * request carrying checksums the service must match; ranged reads use a positioned, limited read channel.
 * Retries are RetryingObjectStore's: the client tries once.
 */
public final class GcsObjectStore implements ObjectStore {
    private final Storage storage;
    private final GcsOptions options;
    private final String bucket;
    private final String describe;

    public GcsObjectStore(GcsOptions o) {
        this.options = o;
        this.bucket = o.location().bucket();
        this.describe = o.describe();
        StorageOptions.Builder b = StorageOptions.newBuilder()
                .setCredentials(credentials(o))
                .setRetrySettings(StorageOptions.getDefaultRetrySettings().toBuilder().setMaxAttempts(1)
                        .setTotalTimeoutDuration(o.timeout()).build());
        o.project().ifPresent(b::setProjectId);
        o.endpoint().ifPresent(b::setHost);
        this.storage = b.build().getService();
    }

    private static GoogleCredentials credentials(GcsOptions o) {
        try {
            if (o.credentialsFile().isPresent()) {
                try (InputStream in = Files.newInputStream(o.credentialsFile().get())) {
                    return GoogleCredentials.fromStream(in);
                }
            }
            return GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            // The library's message names the file or the ADC lookup; it never holds key material.
            throw FsException.of(Errno.EINVAL, "%s: no usable Google credentials: %s %s", o.describe(), e.getClass().getSimpleName(), e.getMessage());
        }
    }

    private BlobId id(String key) {
        return BlobId.of(bucket, options.location().fullKey(ObjectKeys.check(key)));
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        BlobId id = id(key);
        if (offset < 0) throw new ObjectStoreException("negative offset " + offset + " for " + key, false);
        try {
            if (offset == 0 && length < 0) return Optional.of(ByteBuffer.wrap(storage.readAllBytes(id)));
            Optional<ObjectInfo> info = head(key);
            if (info.isEmpty()) return Optional.empty();
            long size = info.get().size();
            int n = (int) Math.max(0, Math.min(length < 0 ? Long.MAX_VALUE : length, size - offset));
            ByteBuffer out = ByteBuffer.allocate(n);
            if (n == 0) return Optional.of(out);
            try (ReadChannel ch = storage.reader(id)) {
                ch.seek(offset);
                ch.limit(offset + n);
                while (out.hasRemaining() && ch.read(out) >= 0) { }
            }
            out.flip();
            return Optional.of(out);
        } catch (StorageException e) {
            if (e.getCode() == 404) return Optional.empty();
            throw GcsFailures.map(describe, "get " + key, e);
        } catch (IOException e) {
            throw new ObjectStoreException(describe + ": get " + key + " failed: " + e.getClass().getSimpleName(), true, e);
        } catch (RuntimeException e) {
            throw GcsFailures.map(describe, "get " + key, e);
        }
    }

    @Override
    public void put(String key, ByteBuffer data) {
        BlobId id = id(key);
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        try {
            // create(BlobInfo, byte[]) sends the content's CRC32C and MD5 itself; the service refuses a mismatch.
            storage.create(BlobInfo.newBuilder(id).build(), copy);
        } catch (RuntimeException e) {
            throw GcsFailures.map(describe, "put " + key, e);
        }
    }

    @Override
    public void delete(String key) {
        BlobId id = id(key);
        try {
            storage.delete(id);
        } catch (RuntimeException e) {
            throw GcsFailures.map(describe, "delete " + key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        BlobId id = id(key);
        try {
            Blob b = storage.get(id);
            if (b == null) return Optional.empty();
            return Optional.of(new ObjectInfo(key, b.getSize() == null ? 0 : b.getSize(),
                    b.getUpdateTimeOffsetDateTime() == null ? 0 : b.getUpdateTimeOffsetDateTime().toInstant().toEpochMilli()));
        } catch (RuntimeException e) {
            throw GcsFailures.map(describe, "head " + key, e);
        }
    }

    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        String p = options.location().fullKey(prefix == null ? "" : prefix);
        String after = startAfter == null ? null : options.location().fullKey(startAfter);
        Iterator<Blob> blobs;
        try {
            blobs = (after == null
                    ? storage.list(bucket, Storage.BlobListOption.prefix(p))
                    : storage.list(bucket, Storage.BlobListOption.prefix(p), Storage.BlobListOption.startOffset(after))).iterateAll().iterator();
        } catch (RuntimeException e) {
            throw GcsFailures.map(describe, "list " + p, e);
        }
        Iterator<Blob> mapped = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return blobs.hasNext();
                } catch (RuntimeException e) {
                    throw GcsFailures.map(describe, "list " + p, e);
                }
            }

            @Override
            public Blob next() {
                if (!hasNext()) throw new NoSuchElementException();
                return blobs.next();
            }
        };
        // startOffset is inclusive; startAfter is not.
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(mapped, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .filter(b -> after == null || b.getName().compareTo(after) > 0)
                .map(b -> new ObjectInfo(options.location().relativeKey(b.getName()), b.getSize() == null ? 0 : b.getSize(),
                        b.getUpdateTimeOffsetDateTime() == null ? 0 : b.getUpdateTimeOffsetDateTime().toInstant().toEpochMilli()));
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            // closing releases pooled connections only; nothing to report
        }
    }
}
