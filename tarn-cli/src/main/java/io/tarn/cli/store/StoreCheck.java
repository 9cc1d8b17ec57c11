package io.tarn.cli.store;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Verifies that a store lets Tarn do everything it needs: put, get, ranged get, list and delete of a
 * probe object. Each step is tried even after another failed, where it can be, so one run names every
 * missing permission (a write-only or list-less policy shows as exactly those lines). When the put fails,
 * the reads are not tried (there is nothing to read), but list and delete still are.
 */
public final class StoreCheck {
    /** One step's outcome: {@code error} empty when it worked. */
    public record Step(String name, Optional<String> error, long nanos) {
        public boolean ok() {
            return error.isEmpty();
        }
    }

    private StoreCheck() {}

    public static List<Step> run(ObjectStore store) {
        String key = ".tarn-check-" + UUID.randomUUID();
        byte[] probe = new byte[256 * 1024 + 13];
        new Random().nextBytes(probe);
        List<Step> steps = new ArrayList<>();
        Step put = step("put", () -> {
            store.put(key, ByteBuffer.wrap(probe));
            return null;
        });
        steps.add(put);
        if (!put.ok()) {
            // Nothing to read back; listing and deleting are separate permissions and still worth a verdict.
            steps.add(step("list", () -> {
                try (Stream<ObjectInfo> s = store.list(".tarn-check-", null)) {
                    s.findFirst();
                    return null;
                }
            }));
            steps.add(step("delete", () -> {
                store.delete(key);
                return null;
            }));
            return steps;
        }
        steps.add(step("get", () -> {
            ByteBuffer b = store.get(key, 0, -1).orElse(null);
            if (b == null) return "the probe object just written is not there";
            return same(b, probe, 0, probe.length) ? null : "read back " + b.remaining() + " bytes that differ from the " + probe.length + " written";
        }));
        steps.add(step("range get", () -> {
            ByteBuffer b = store.get(key, 100_000, 4096).orElse(null);
            if (b == null) return "the probe object just written is not there";
            return same(b, probe, 100_000, 4096) ? null : "bytes 100000..104095 came back wrong (" + b.remaining() + " bytes)";
        }));
        steps.add(step("list", () -> {
            try (Stream<ObjectInfo> s = store.list(".tarn-check-", null)) {
                Optional<ObjectInfo> o = s.filter(i -> i.key().equals(key)).findFirst();
                if (o.isEmpty()) return "the probe object is not listed";
                return o.get().size() == probe.length ? null : "listed with size " + o.get().size() + ", not " + probe.length;
            }
        }));
        steps.add(step("delete", () -> {
            store.delete(key);
            return store.head(key).isPresent() ? "the probe object is still there after delete" : null;
        }));
        return steps;
    }

    @FunctionalInterface
    private interface Probe {
        /** null when it worked, else what went wrong. */
        String run() throws Exception;
    }

    private static Step step(String name, Probe p) {
        long t0 = System.nanoTime();
        String error;
        try {
            error = p.run();
        } catch (Exception e) {
            error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
        }
        return new Step(name, Optional.ofNullable(error), System.nanoTime() - t0);
    }

    private static boolean same(ByteBuffer got, byte[] want, int off, int len) {
        if (got.remaining() != len) return false;
        byte[] a = new byte[len];
        got.duplicate().get(a);
        return Arrays.equals(a, 0, len, want, off, off + len);
    }
}
