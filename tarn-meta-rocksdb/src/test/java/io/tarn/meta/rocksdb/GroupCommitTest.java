package io.tarn.meta.rocksdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/** Concurrent committers share WAL syncs, and a lone committer syncs once per commit. */
class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void concurrentCommittersShareSyncs() throws Exception {
        try (RocksDbKvStore kv = RocksDbKvStore.open(dir)) {
            long before = kv.walSyncs();
            for (int i = 0; i < 20; i++) {
                byte[] k = ByteBuffer.allocate(5).put((byte) 'a').putInt(i).array();
                kv.write(w -> {
                    w.put(k, k);
                    return null;
                });
            }
            assertEquals(20, kv.walSyncs() - before, "one sync per commit when alone");

            int threads = 16, each = 50;
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            long synced = kv.walSyncs();
            for (int t = 0; t < threads; t++) {
                int me = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < each; i++) {
                        byte[] k = ByteBuffer.allocate(9).put((byte) 'b').putInt(me).putInt(i).array();
                        kv.write(w -> {
                            w.put(k, k);
                            return null;
                        });
                    }
                }));
            }
            start.countDown();
            for (Thread t : ts) t.join();
            long syncs = kv.walSyncs() - synced;
            assertTrue(syncs < threads * each, syncs + " syncs for " + threads * each + " commits");
            assertEquals(threads * each, kv.read(r -> r.scan(new byte[]{'b'}, new byte[]{'c'}, 10_000)).size(),
                    "every commit is there");
        }
    }
}
