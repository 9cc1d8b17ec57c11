package io.tarn.rpc;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The object store of a volume whose blocks go through a proxy group (ADR 0140): each object key has
 * one member, chosen by rendezvous (highest random weight) hashing of the member's address and the key,
 * so every client of the group sends a block to, and reads it from, the same proxy, whatever order the
 * members were listed in; removing a member moves only its own keys. A listing merges every member's,
 * since each may hold objects it has not uploaded yet.
 */
public final class ProxyGroup implements ObjectStore {
    private final List<RemoteObjectStore> members;

    private ProxyGroup(List<RemoteObjectStore> members) {
        this.members = members;
    }

    /**
     * Connects to every member ({@code host:port}, comma separated or as a list); fails with one line if
     * the list is empty or a member cannot be reached or refuses this client.
     */
    public static ProxyGroup connect(List<String> addresses, RpcOptions opts) {
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String a : addresses) if (!a.isBlank()) unique.add(a.strip());
        if (unique.isEmpty()) throw FsException.of(Errno.EINVAL, "a proxy group needs at least one HOST:PORT");
        for (String a : unique) RemoteMetaService.parse(a); // EINVAL for a malformed address before anything connects
        List<RemoteObjectStore> members = new ArrayList<>();
        try {
            for (String a : unique) members.add(RemoteObjectStore.connect(a, opts));
        } catch (RuntimeException e) {
            members.forEach(RemoteObjectStore::close);
            throw e;
        }
        return new ProxyGroup(List.copyOf(members));
    }

    /** Parses {@code host:port[,host:port...]}. */
    public static List<String> parseList(String spec) {
        List<String> out = new ArrayList<>();
        if (spec != null) for (String s : spec.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }

    public static ProxyGroup connect(String spec, RpcOptions opts) {
        return connect(parseList(spec), opts);
    }

    /** The member that holds {@code key}: the one with the highest weight for (member, key). */
    RemoteObjectStore memberFor(String key) {
        RemoteObjectStore best = null;
        long bestWeight = 0;
        for (RemoteObjectStore m : members) {
            long w = weight(m.address(), key);
            if (best == null || Long.compareUnsigned(w, bestWeight) > 0 || (w == bestWeight && m.address().compareTo(best.address()) < 0)) {
                best = m;
                bestWeight = w;
            }
        }
        return best;
    }

    /** The member address {@code key} goes to among {@code addresses}, for tests and operators. */
    public static String chooseMember(List<String> addresses, String key) {
        String best = null;
        long bestWeight = 0;
        for (String a : addresses) {
            long w = weight(a, key);
            if (best == null || Long.compareUnsigned(w, bestWeight) > 0 || (w == bestWeight && a.compareTo(best) < 0)) {
                best = a;
                bestWeight = w;
            }
        }
        return best;
    }

    /** A 64-bit hash of member and key: FNV-1a over both (with a separator), then a strong finalizer. */
    static long weight(String member, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : member.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        h = (h ^ 0xff) * 0x100000001b3L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        // splitmix64's finalizer: FNV alone leaves the high bits of similar keys correlated.
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    public List<String> addresses() {
        return members.stream().map(RemoteObjectStore::address).toList();
    }

    @Override
    public Optional<ByteBuffer> get(String key, long offset, int length) {
        return memberFor(key).get(key, offset, length);
    }

    @Override
    public void put(String key, ByteBuffer data) {
        memberFor(key).put(key, data);
    }

    @Override
    public void delete(String key) {
        memberFor(key).delete(key);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return memberFor(key).head(key);
    }

    /** Every member's listing merged in key order, each key once. */
    @Override
    public Stream<ObjectInfo> list(String prefix, String startAfter) {
        if (members.size() == 1) return members.getFirst().list(prefix, startAfter);
        List<Stream<ObjectInfo>> streams = new ArrayList<>();
        for (RemoteObjectStore m : members) streams.add(m.list(prefix, startAfter));
        Iterator<ObjectInfo> merged = new Iterator<>() {
            record Head(ObjectInfo info, Iterator<ObjectInfo> rest) {}

            private PriorityQueue<Head> heads;
            private String lastKey;

            private PriorityQueue<Head> heads() {
                if (heads == null) { // asked on first use, so nothing is listed until the caller reads
                    heads = new PriorityQueue<>((a, b) -> a.info.key().compareTo(b.info.key()));
                    for (Stream<ObjectInfo> s : streams) advance(s.iterator());
                }
                return heads;
            }

            private void advance(Iterator<ObjectInfo> it) {
                if (it.hasNext()) heads.add(new Head(it.next(), it));
            }

            @Override
            public boolean hasNext() {
                PriorityQueue<Head> q = heads();
                while (!q.isEmpty() && q.peek().info.key().equals(lastKey)) advance(q.poll().rest);
                return !q.isEmpty();
            }

            @Override
            public ObjectInfo next() {
                if (!hasNext()) throw new NoSuchElementException();
                Head h = heads.poll();
                advance(h.rest);
                lastKey = h.info.key();
                return h.info;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(merged, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(() -> streams.forEach(Stream::close));
    }

    @Override
    public String describe() {
        return "proxy group " + String.join(",", addresses());
    }

    @Override
    public void close() {
        members.forEach(RemoteObjectStore::close);
    }
}
