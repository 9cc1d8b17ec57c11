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
 * Client sessions: their records, their open files (counted per inode and session, persisted), the
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
    static void end(KvWriter w, long session, SessionRecord s, long now, Journal journal) {
        VolumeRecord v = Volumes.byId(w, s.volume());
        if (v != null) {
            StagedWrites staged = new StagedWrites(w);
            VolumeTx t = new VolumeTx(staged, v, session, io.tarn.api.Caller.ROOT, now);
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

    static void addOpen(VolumeTx t, long ino) {
        byte[] k = Keys.open(t.vol, ino, t.session);
        byte[] v = t.kv.get(k);
        int n = v == null ? 0 : ByteBuffer.wrap(v).getInt();
        byte[] count = ByteBuffer.allocate(4).putInt(n + 1).array();
        t.w().put(k, count);
        t.w().put(Keys.sessionOpen(t.session, ino), count);
    }

    static void release(VolumeTx t, long ino) {
        byte[] k = Keys.open(t.vol, ino, t.session);
        byte[] v = t.kv.get(k);
        if (v == null) throw FsException.of(Errno.EBADF, "inode %d is not open in session %d", ino, t.session);
        int n = ByteBuffer.wrap(v).getInt() - 1;
        if (n > 0) {
            byte[] count = ByteBuffer.allocate(4).putInt(n).array();
            t.w().put(k, count);
            t.w().put(Keys.sessionOpen(t.session, ino), count);
            return;
        }
        t.w().delete(k);
        t.w().delete(Keys.sessionOpen(t.session, ino));
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
