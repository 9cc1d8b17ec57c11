package io.tarn.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The supplementary groups of a calling process, read from {@code /proc/PID/status} as libfuse's
 * fuse_req_getgroups does: the kernel sends them only with creating requests, but the server's
 * permission checks need them on every request. Cached per process for a second (a process that
 * changes its groups is seen within that time); an unreadable entry (the process is gone) gives none.
 */
final class ProcGroups {
    private static final long TTL_NS = 1_000_000_000L;
    private static final int MAX_CACHED = 4096;
    private static final int[] NONE = new int[0];

    private record Key(int pid, int uid, int gid) {}

    private record Cached(int[] groups, long atNs) {}

    private static final ConcurrentHashMap<Key, Cached> CACHE = new ConcurrentHashMap<>();

    private ProcGroups() {}

    static int[] of(int pid, int uid, int gid) {
        if (pid <= 0) return NONE;
        Key k = new Key(pid, uid, gid);
        long now = System.nanoTime();
        Cached c = CACHE.get(k);
        if (c != null && now - c.atNs < TTL_NS) return c.groups;
        int[] g = read(pid);
        if (CACHE.size() >= MAX_CACHED) CACHE.clear();
        CACHE.put(k, new Cached(g, now));
        return g;
    }

    static int[] read(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (!line.startsWith("Groups:")) continue;
                String rest = line.substring(7).trim();
                if (rest.isEmpty()) return NONE;
                String[] parts = rest.split("\\s+");
                int[] out = new int[parts.length];
                for (int i = 0; i < parts.length; i++) out[i] = Integer.parseUnsignedInt(parts[i]);
                return out;
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // The caller has exited or hides its status: check with its primary group only.
        }
        return NONE;
    }
}
