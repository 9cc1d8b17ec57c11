package io.tarn.objectstore;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Opens an object store from its URI: {@code file:///path}, {@code mem://name}, or a provider's scheme. */
public final class ObjectStores {
    private ObjectStores() {}

    /**
     * The store a URI names, rooted at it (keys are relative to the URI's path or prefix).
     * FsException(EINVAL) with a message a user can act on for a malformed URI or an unknown scheme.
     */
    public static ObjectStore open(String uri) {
        if (uri == null || uri.isBlank()) throw FsException.of(Errno.EINVAL, "empty object store URI");
        URI u;
        try {
            u = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw FsException.of(Errno.EINVAL, "malformed object store URI %s: %s", shown(uri), e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> openFile(u, uri);
            case "mem" -> openMemory(u, uri);
            default -> {
                for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class)) {
                    if (p.scheme().equalsIgnoreCase(scheme)) yield p.open(u);
                }
                throw FsException.of(Errno.EINVAL, "unknown object store scheme '%s' in %s: this build knows %s",
                        scheme, shown(uri), knownSchemes());
            }
        };
    }

    /**
     * The URI as messages may show it: without user info and query, where a misplaced secret would be.
     * Stores are named by scheme, bucket and path; options are not needed to recognise them.
     */
    static String shown(String uri) {
        String t = uri.trim();
        int q = t.indexOf('?');
        if (q >= 0) t = t.substring(0, q) + "?...";
        int at = t.indexOf('@'), start = t.indexOf("://");
        if (at > 0 && start >= 0 && at > start) t = t.substring(0, start + 3) + "..." + t.substring(at);
        return t;
    }

    /** The schemes this class path can open, for messages. */
    public static String knownSchemes() {
        TreeSet<String> s = new TreeSet<>();
        s.add("file:///path");
        s.add("mem://name");
        for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class)) s.add(p.scheme() + "://...");
        return String.join(", ", s);
    }

    private static ObjectStore openFile(URI u, String original) {
        if (u.getAuthority() != null && !u.getAuthority().isEmpty() && !u.getAuthority().equals("localhost"))
            throw FsException.of(Errno.EINVAL, "file URI %s names a host; use file:///absolute/path", original);
        String path = u.getPath();
        if (path == null || path.isEmpty() || !path.startsWith("/"))
            throw FsException.of(Errno.EINVAL, "file URI %s needs an absolute path: file:///absolute/path", original);
        return new LocalDirObjectStore(Path.of(path));
    }

    private static ObjectStore openMemory(URI u, String original) {
        String name = u.getAuthority();
        if (name == null || name.isEmpty())
            throw FsException.of(Errno.EINVAL, "memory store URI %s needs a name: mem://name", original);
        String path = u.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/"))
            throw FsException.of(Errno.EINVAL, "memory store URI %s takes no path: mem://name", original);
        return MemoryObjectStore.named(name);
    }
}
