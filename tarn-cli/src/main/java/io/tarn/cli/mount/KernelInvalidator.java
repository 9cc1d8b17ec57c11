package io.tarn.cli.mount;

import io.tarn.api.Change;
import io.tarn.client.Vfs;
import io.tarn.fuse.Notifier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * Passes other clients' changes on to the kernel as FUSE notify messages (ADR 0120). Runs on the
 * client's change-follower thread, never on a request thread: an entry invalidation takes the
 * directory's lock, which the kernel may hold while it waits for a reply to a request in that
 * directory. Remembers the most recently served names and nodes (bounded), so that when changes were
 * lost (a reset) it can drop those from the kernel's caches; older ones time out.
 */
final class KernelInvalidator implements Vfs.ChangeListener {
    static final int REMEMBERED = 1 << 16;
    private static final System.Logger LOG = System.getLogger(KernelInvalidator.class.getName());

    private record Name(long parent, String name) {}

    private final Notifier notifier;
    private final LongUnaryOperator node;
    /** Read-around pushes to wait for before dropping a file's pages (null: none run). */
    private final PageCachePusher pusher;
    private final Map<Long, Boolean> nodes = lru();
    private final Map<Name, Boolean> names = lru();

    KernelInvalidator(Notifier notifier, LongUnaryOperator node, PageCachePusher pusher) {
        this.notifier = notifier;
        this.node = node;
        this.pusher = pusher;
    }

    private static <K> Map<K, Boolean> lru() {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Boolean> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    /** Notes that the kernel was given node {@code nodeId}. */
    void served(long nodeId) {
        synchronized (nodes) {
            nodes.put(nodeId, Boolean.TRUE);
        }
    }

    /** Notes that the kernel was given name {@code name} in directory node {@code parentNode}, naming {@code nodeId}. */
    void served(long parentNode, String name, long nodeId) {
        synchronized (names) {
            names.put(new Name(parentNode, name), Boolean.TRUE);
        }
        served(nodeId);
    }

    @Override
    public void changed(List<Change> changes) {
        for (Change c : new LinkedHashSet<>(changes)) {
            long n = node.applyAsLong(c.ino());
            switch (c.kind()) {
                case Change.ENTRY -> notifier.invalidateEntry(n, c.name());
                case Change.DATA -> {
                    // A push that read the old bytes stores them first; then they are dropped (PageCachePusher).
                    if (pusher != null) pusher.awaitNoPush(n);
                    notifier.invalidateInode(n, 0, 0);
                }
                default -> {
                    // A size change too: a push past the new size must not land after it (a store extends the size).
                    if (pusher != null) pusher.awaitNoPush(n);
                    notifier.invalidateInode(n, -1, 0);
                }
            }
        }
    }

    @Override
    public void dropAll() {
        List<Name> ns;
        List<Long> is;
        synchronized (names) {
            ns = new ArrayList<>(names.keySet());
        }
        synchronized (nodes) {
            is = new ArrayList<>(nodes.keySet());
        }
        for (Name n : ns) notifier.invalidateEntry(n.parent(), n.name());
        if (pusher != null) pusher.awaitNoPushes();
        for (long i : is) notifier.invalidateInode(i, 0, 0);
        LOG.log(System.Logger.Level.INFO, "changes from other clients were lost: dropped {0} names and {1} inodes from the kernel''s caches",
                ns.size(), is.size());
    }
}
