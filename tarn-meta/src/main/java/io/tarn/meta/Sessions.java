package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.kv.KvEntry;
import io.tarn.api.kv.KvReader;
import io.tarn.api.kv.KvWriter;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Client sessions: their records, their open files (counted in memory by {@link OpenTable}, pinned
 * on disk only while unlinked), the
 * request-outcome log used for at-most-once retries, and cleanup when a session closes or expires.
 */
final class Sessions {
    private static final SecureRandom IDS = new SecureRandom();

    private Sessions() {}

    record Entry(long id, SessionRecord record) {}

    /**
     * Session ids are random 63-bit numbers: no shared counter to update, and one client cannot guess
     * another's session by counting.
     */
    static long open(KvWriter w, VolumeRecord v, String clientName, long now) {
        long id;
        do {
            id = IDS.nextLong() & Long.MAX_VALUE;
        } while (id == 0 || w.get(Keys.session(id)) != null);
        w.put(Keys.session(id), new SessionRecord(v.id(), clientName == null ? "" : clientName, now, now).encode());
        return id;
    }

    static SessionRecord get(KvReader r, long session) {
        byte[] v = r.get(Keys.session(session));
        return v == null ? null : SessionRecord.decode(v);
    }

    static List<Entry> all(KvReader r) {
        byte[] prefix = {Keys.SESSION};
        List<Entry> out = new ArrayList<>();
        for (KvEntry e : r.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE))
            out.add(new Entry(Keys.longAt(e.key(), 1), SessionRecord.decode(e.value())));
        return out;
    }

    /** Ends a session: releases its opens (deleting orphans no one else holds) and drops its records. */
    static void end(KvWriter w, long session, SessionRecord s, long now, Journal journal, OpenTable opens) {
        // Its opens in memory go first, so they keep none of the orphans below alive.
        opens.endSession(session);
        VolumeRecord v = Volumes.byId(w, s.volume());
        if (v != null) {
            StagedWrites staged = new StagedWrites(w);
            VolumeTx t = new VolumeTx(staged, v, session, io.tarn.api.Caller.ROOT, now).withOpens(opens, opens.changes());
            byte[] prefix = Keys.sessionOpens(session);
            for (KvEntry e : w.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE)) {
                long ino = Keys.longAt(e.key(), 9);
                staged.delete(Keys.open(v.id(), ino, session));
                staged.delete(e.key());
                destroyIfOrphan(t, ino);
            }
            t.flushUsage();
            journal.append(w, v, now, session, "session-end", staged);
            staged.applyTo(w);
        }
        forget(w, session);
    }

    /** Removes a session's own records without touching its volume (which may be going away). */
    static void forget(KvWriter w, long session) {
        Volumes.deletePrefix(w, Keys.sessionOpens(session));
        Volumes.deletePrefix(w, Keys.requests(session));
        w.delete(Keys.session(session));
    }

    static void destroyIfOrphan(VolumeTx t, long ino) {
        InodeRecord r = t.inodeOrNull(ino);
        if (r != null && r.nlink() == 0 && !r.isDir() && !t.isOpen(ino)) t.destroyInode(ino, r);
    }

    // ---- opens ---------------------------------------------------------------------------------

    /** Counts an open in memory; an orphan opened again (by inode number) is pinned for this session too. */
    static void addOpen(VolumeTx t, long ino) {
        t.openChanges.open(t.vol, ino, t.session);
        InodeRecord r = t.inodeOrNull(ino);
        if (r != null && r.nlink() == 0 && !t.isPinned(ino))
            t.pin(ino, t.session, t.opens.isBoot(t.session) ? OpenTable.UNKNOWN : OpenTable.COUNTED);
    }

    /** True if releasing this open may change persisted state (the session's last open of a pinned inode). */
    static boolean releaseWrites(VolumeTx t, long ino) {
        return t.isPinned(ino);
    }

    static void release(VolumeTx t, long ino) {
        boolean held = t.openChanges.release(t.vol, ino, t.session);
        byte[] pin = t.kv.get(Keys.open(t.vol, ino, t.session));
        if (!held && pin == null) {
            // A session from before a server restart may release opens this server never saw.
            if (t.opens.isBoot(t.session)) return;
            throw FsException.of(Errno.EBADF, "inode %d is not open in session %d", ino, t.session);
        }
        if (pin == null || t.opens.heldBy(t.vol, ino, t.session)) return;
        // An unknown count (opens from before a restart) keeps the pin until the session ends.
        if (t.opens.isBoot(t.session) || java.util.Arrays.equals(pin, OpenTable.UNKNOWN)) return;
        t.unpin(ino, t.session);
        destroyIfOrphan(t, ino);
    }

    // ---- request outcomes ----------------------------------------------------------------------

    /** Keeps the newest {@code keep} request outcomes of a session (request ids grow within a session). */
    static void pruneRequests(KvWriter w, long session, int keep) {
        byte[] prefix = Keys.requests(session);
        List<KvEntry> all = w.scan(prefix, Keys.end(prefix), Integer.MAX_VALUE);
        for (int i = 0; i < all.size() - keep; i++) w.delete(all.get(i).key());
    }
}
