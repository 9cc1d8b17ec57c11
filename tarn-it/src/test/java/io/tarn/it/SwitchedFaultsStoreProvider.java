package io.tarn.it;

import io.tarn.api.ObjectStore;
import io.tarn.objectstore.FaultInjectingObjectStore;
import io.tarn.objectstore.FaultInjectingObjectStore.Fault;
import io.tarn.objectstore.FaultInjectingObjectStore.Op;
import io.tarn.objectstore.LocalDirObjectStore;
import io.tarn.objectstore.ObjectStoreProvider;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Test-only store {@code faulty:///DIR}: a local directory store ({@code DIR/objects}) behind the
 * fault-injecting decorator, whose faults a test switches on and off from outside the mount daemon's JVM
 * by creating and deleting files: {@code DIR/FAIL} makes every call fail (retryable), {@code DIR/FLIP}
 * flips a bit in every object read. Found by ServiceLoader on the test class path, which the child JVMs
 * that tests start share.
 */
public final class SwitchedFaultsStoreProvider implements ObjectStoreProvider {
    @Override
    public String scheme() {
        return "faulty";
    }

    @Override
    public ObjectStore open(URI uri) {
        Path dir = Path.of(uri.getPath());
        Predicate<String> failing = k -> Files.exists(dir.resolve("FAIL"));
        FaultInjectingObjectStore s = new FaultInjectingObjectStore(new LocalDirObjectStore(dir.resolve("objects")));
        for (Op op : Op.values()) s.inject(op, failing, new Fault.Fail(true), -1);
        s.inject(Op.GET, k -> Files.exists(dir.resolve("FLIP")), new Fault.FlipBit(100), -1);
        return s;
    }

    static String uri(Path dir) {
        return "faulty://" + dir.toAbsolutePath();
    }
}
