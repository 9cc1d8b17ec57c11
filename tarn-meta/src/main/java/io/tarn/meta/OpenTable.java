package io.tarn.meta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The opens of live sessions, held in the server's memory (ADR 0070): an open or a release is a
 * counter change here, not a synced write. What a crash must not lose is persisted elsewhere as a
 * <em>pin</em> ({@code v vol o ino session} and {@code P session ino}): an inode that loses its last
 * name while open is pinned for each session holding it, in the transaction that unlinks it.
 *
 * <p>After a restart the counts are gone, so sessions that existed when this server started
 * ("boot sessions") are assumed to hold every inode of their volume: an inode unlinked while such a
 * session lives is pinned for it (pin value {@link #UNKNOWN}) and kept until that session ends.
 * Their releases of opens this server never saw are accepted silently.
 *
 * <p>Changes are made inside metadata transactions through a {@link Changes}, which can undo them:
 * a transaction that fails, or is run again by the engine, leaves no trace here.
 */
final class OpenTable {
    /** Pin value of a session whose open count this server does not know (a boot session). */
    static final byte[] UNKNOWN = {(byte) 0xff};
    /** Pin value of a session whose count is in memory. */
    static final byte[] COUNTED = {1};
    private static final int REMEMBERED_REQUESTS = 1024;

    private record Key(long vol, long ino) {}

    private final Map<Key, Map<Long, Integer>> byInode = new HashMap<>();
    private final Map<Long, Set<Key>> bySession = new HashMap<>();
    /** session -> volume, for sessions that were alive when the server started. */
    private final Map<Long, Long> boot = new HashMap<>();
    /** Request ids of opens and releases already applied, per session: a resent call is not counted twice. */
    private final Map<Long, LinkedHashMap<Long, Boolean>> applied = new HashMap<>();

    synchronized void bootSession(long session, long vol) {
        boot.put(session, vol);
    }

    synchronized boolean isBoot(long session) {
        return boot.containsKey(session);
    }

    synchronized boolean heldByAny(long vol, long ino) {
        return byInode.containsKey(new Key(vol, ino));
    }

    /** Held here, or perhaps by a boot session (whose opens this server never saw): what an unlink must assume. */
    synchronized boolean mayBeOpen(long vol, long ino) {
        return byInode.containsKey(new Key(vol, ino)) || boot.containsValue(vol);
    }

    synchronized boolean heldBy(long vol, long ino, long session) {
        Map<Long, Integer> m = byInode.get(new Key(vol, ino));
        return m != null && m.containsKey(session);
    }

    /** Sessions that may hold the inode open, each with the pin value to persist for it. */
    synchronized Map<Long, byte[]> holders(long vol, long ino) {
        Map<Long, byte[]> out = new HashMap<>();
        Map<Long, Integer> m = byInode.get(new Key(vol, ino));
        if (m != null) m.keySet().forEach(s -> out.put(s, COUNTED));
        boot.forEach((s, v) -> {
            if (v == vol) out.put(s, UNKNOWN);
        });
        return out;
    }

    /** Forgets a session that ended (closed, expired, or its volume went). */
    synchronized void endSession(long session) {
        boot.remove(session);
        applied.remove(session);
        Set<Key> keys = bySession.remove(session);
        if (keys == null) return;
        for (Key k : keys) {
            Map<Long, Integer> m = byInode.get(k);
            if (m != null && m.remove(session) != null && m.isEmpty()) byInode.remove(k);
        }
    }

    synchronized int size() {
        return byInode.size();
    }

    private synchronized void add(Key k, long session, int delta) {
        Map<Long, Integer> m = byInode.computeIfAbsent(k, x -> new HashMap<>());
        int n = m.getOrDefault(session, 0) + delta;
        if (n > 0) {
            m.put(session, n);
            bySession.computeIfAbsent(session, x -> new HashSet<>()).add(k);
            return;
        }
        m.remove(session);
        if (m.isEmpty()) byInode.remove(k);
        Set<Key> keys = bySession.get(session);
        if (keys != null) {
            keys.remove(k);
            if (keys.isEmpty()) bySession.remove(session);
        }
    }

    private synchronized boolean remember(long session, long requestId) {
        LinkedHashMap<Long, Boolean> m = applied.computeIfAbsent(session, x -> new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > REMEMBERED_REQUESTS;
            }
        });
        return m.putIfAbsent(requestId, Boolean.TRUE) == null;
    }

    private synchronized void forgetRequest(long session, long requestId) {
        LinkedHashMap<Long, Boolean> m = applied.get(session);
        if (m != null) m.remove(requestId);
    }

    Changes changes() {
        return new Changes();
    }

    /** The memory effects of one transaction, undone if it fails or runs again. */
    final class Changes {
        private final List<Runnable> undo = new ArrayList<>();

        /** False if this request id was applied before (a resend): then the caller changes nothing. */
        boolean firstTime(long session, long requestId) {
            if (requestId == 0) return true;
            if (!remember(session, requestId)) return false;
            undo.add(() -> forgetRequest(session, requestId));
            return true;
        }

        void open(long vol, long ino, long session) {
            Key k = new Key(vol, ino);
            add(k, session, 1);
            undo.add(() -> add(k, session, -1));
        }

        /** Drops one open; false if the session holds none in memory. */
        boolean release(long vol, long ino, long session) {
            if (!heldBy(vol, ino, session)) return false;
            Key k = new Key(vol, ino);
            add(k, session, -1);
            undo.add(() -> add(k, session, 1));
            return true;
        }

        void undo() {
            for (int i = undo.size() - 1; i >= 0; i--) undo.get(i).run();
            undo.clear();
        }
    }
}
