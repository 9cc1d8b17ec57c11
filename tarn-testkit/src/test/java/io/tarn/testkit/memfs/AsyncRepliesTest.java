package io.tarn.testkit.memfs;

import io.tarn.fuse.Deferred;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies completed later from other threads, as a filesystem waiting on object storage would:
 * the slow operations are deferred to a pool, the workers go on reading requests.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AsyncRepliesTest {
    private MountedMemfs mount;

    /** Runs even if the test thread is stuck on the mount: the forced unmount unblocks it. */
    @AfterEach
    void unmount() {
        if (mount != null) mount.close();
    }

    static final Set<String> DEFERRED = Set.of("lookup", "getattr", "read", "write", "create");

    @Test
    void deferredRepliesFromAnotherThreadServeCoreutilsAndJava(@TempDir Path tmp) throws Exception {
        MemoryFilesystem memfs = new MemoryFilesystem();
        ExecutorService store = Executors.newFixedThreadPool(4);
        LongAdder completedElsewhere = new LongAdder();
        FuseFilesystem slow = (FuseFilesystem) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FuseFilesystem.class}, (proxy, m, a) -> {
                    if (!DEFERRED.contains(m.getName())) return call(m, memfs, a);
                    Request r = (Request) a[0];
                    if (m.getName().equals("write")) {
                        MemorySegment data = (MemorySegment) a[4];
                        a[4] = Arena.ofAuto().allocate(data.byteSize()).copyFrom(data); // the request buffer is reused
                    }
                    Deferred<Object> d = r.defer();
                    Thread worker = Thread.currentThread();
                    store.execute(() -> {
                        try {
                            Object result = call(m, memfs, a);
                            if (Thread.currentThread() != worker) completedElsewhere.increment();
                            d.complete(result);
                        } catch (Throwable t) {
                            d.fail(t);
                        }
                    });
                    if (m.getReturnType() == int.class) return Integer.valueOf(0);
                    if (m.getReturnType() == long.class) return Long.valueOf(0);
                    return null;
                });
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try {
            mount = MountedMemfs.mount(mnt, slow);
            byte[] data = new byte[8 << 20];
            new Random(3).nextBytes(data);
            Path src = Files.write(tmp.resolve("src"), data);
            Programs.run(java.time.Duration.ofSeconds(30), mnt, "cp", src.toString(), "copy").ok();
            Programs.run(java.time.Duration.ofSeconds(30), mnt, "cmp", src.toString(), "copy").ok();
            assertArrayEquals(data, Files.readAllBytes(mnt.resolve("copy")));
            assertEquals(data.length, Files.size(mnt.resolve("copy")));
            assertTrue(completedElsewhere.sum() > 10, "replies completed on pool threads: " + completedElsewhere.sum());
            assertEquals(0, mount.session.inflight());
        } finally {
            store.shutdownNow();
        }
    }

    private static Object call(Method m, Object target, Object[] a) throws Throwable {
        try {
            return m.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
