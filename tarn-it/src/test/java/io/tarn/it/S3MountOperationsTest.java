package io.tarn.it;

import io.tarn.objectstore.s3.S3ProxyServer;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.objectstore.ObjectStores;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MountOperations} on S3: the volume's blocks live in a bucket of a real S3 server (S3Proxy on loopback). */
class S3MountOperationsTest extends MountOperations {
    private S3ProxyServer s3;
    private String store;

    /** The volume really is on S3: a file's blocks show up as objects in the bucket. */
    @Test
    void blocksLandInTheBucket() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024];
        new Random(3).nextBytes(data);
        try (FileChannel ch = FileChannel.open(mnt.resolve("on-s3"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try (ObjectStore bucket = ObjectStores.open(store); Stream<ObjectInfo> objects = bucket.list("", null)) {
            long blockBytes = objects.filter(o -> o.key().contains("/blocks/")).mapToLong(ObjectInfo::size).sum();
            assertTrue(blockBytes >= data.length, "only " + blockBytes + " bytes of blocks in " + store);
        }
    }

    @Override
    MountedVolume mountVolume(Path tmp, Path mnt) throws Exception {
        s3 = S3ProxyServer.start();
        Path creds = s3.writeCredentials(Files.createDirectories(tmp.resolve("s3")), true);
        store = s3.uri(s3.createBucket(), "tarn", creds);
        return MountedVolume.mount("ops", mnt, "--data", tmp.resolve("data").toString(), "--store", store);
    }

    @Override
    void stopStore() throws Exception {
        if (s3 != null) s3.close();
    }
}
