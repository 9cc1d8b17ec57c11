package io.tarn.client;

import io.tarn.api.Caller;
import io.tarn.api.MetaService;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;
import io.tarn.meta.MemoryKvStore;
import io.tarn.objectstore.FaultInjectingObjectStore;
import io.tarn.objectstore.MemoryObjectStore;
import io.tarn.objectstore.RetryPolicy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A volume over LocalMetaService + MemoryKvStore and a fault-injecting memory store; clients made on demand. */
final class VfsFixture implements AutoCloseable {
    static final int BLOCK = VolumeSpec.MIN_BLOCK_SIZE;
    static final Caller USER = new Caller(1000, 1000, new int[0], 42);
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10), Duration.ZERO);

    final MetaService meta = new LocalMetaService(new MemoryKvStore());
    final MemoryObjectStore mem = new MemoryObjectStore();
    final FaultInjectingObjectStore store = new FaultInjectingObjectStore(mem);
    final List<TarnVfs> clients = new ArrayList<>();

    VfsFixture(String compression) {
        meta.createVolume(new VolumeSpec("v", "mem://unused", BLOCK, compression, 0));
    }

    TarnVfs client() {
        return client(ClientConfig.DEFAULTS.withWriteBuffer(16L * BLOCK).withRetry(FAST));
    }

    TarnVfs client(ClientConfig cfg) {
        TarnVfs v = new TarnVfs(meta, store, "v", cfg);
        clients.add(v);
        return v;
    }

    static ByteBuffer buf(byte[] b) {
        return ByteBuffer.wrap(b);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    @Override
    public void close() {
        store.clearFaults();
        for (TarnVfs v : clients) {
            try {
                v.close();
            } catch (RuntimeException ignored) {
                // a test may have left a client in a failed state on purpose
            }
        }
        meta.close();
    }
}
