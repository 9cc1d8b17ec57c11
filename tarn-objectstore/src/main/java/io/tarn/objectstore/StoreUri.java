package io.tarn.objectstore;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A cloud store URI taken apart the same way for every provider: {@code scheme://bucket/prefix?name=value&...}.
 * Options are checked against the names a provider knows, so a typo fails at once instead of being
 * ignored. Secrets are refused: they belong in the environment, a profile or an options file, because
 * URIs end up in volume configs, logs and shell history.
 *
 * @param scheme  lower-case scheme ("s3", "az", "gs")
 * @param bucket  the bucket or container (the URI's host)
 * @param prefix  key prefix inside the bucket, "" or ending with '/'
 * @param options query options by name (lower case)
 */
public record StoreUri(String scheme, String bucket, String prefix, Map<String, String> options) {
    /** Option names that would carry a secret; refused whatever the provider. */
    private static final Set<String> SECRET_WORDS = Set.of("secret", "password", "key", "token", "sig", "signature",
            "credential", "sas", "connection-string", "connectionstring");

    public StoreUri {
        options = Map.copyOf(options);
    }

    /**
     * Parses {@code uri} for a provider that knows {@code knownOptions}. FsException(EINVAL) with a
     * one-line message for user info, a missing bucket, an unknown or secret-looking option. The
     * message never repeats option values, so it cannot leak a secret typed by mistake.
     */
    public static StoreUri parse(URI uri, String example, Set<String> knownOptions) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String shown = scheme + "://" + (uri.getHost() == null ? "" : uri.getHost()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawUserInfo() != null)
            throw FsException.of(Errno.EINVAL, "%s: credentials may not be written in the URI; use the environment, "
                    + "a profile or an options file (e.g. %s)", shown, example);
        String bucket = uri.getHost();
        if (bucket == null || bucket.isEmpty())
            throw FsException.of(Errno.EINVAL, "%s names no bucket: write it as %s", shown, example);
        if (uri.getPort() != -1)
            throw FsException.of(Errno.EINVAL, "%s: a port belongs in the endpoint option, not after the bucket (%s)", shown, example);
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.startsWith("/")) path = path.substring(1);
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (path.contains("//"))
            throw FsException.of(Errno.EINVAL, "%s: empty segment in the prefix", shown);
        String prefix = path.isEmpty() ? "" : path + "/";
        TreeMap<String, String> options = new TreeMap<>();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "true" : decode(pair.substring(eq + 1));
                for (String word : SECRET_WORDS) {
                    if (name.equals(word) || name.endsWith("-" + word) || name.endsWith("_" + word))
                        throw FsException.of(Errno.EINVAL, "%s: option '%s' looks like a secret; secrets never go in a store URI "
                                + "(use the environment, a profile or an options file)", shown, name);
                }
                if (!knownOptions.contains(name))
                    throw FsException.of(Errno.EINVAL, "%s: unknown option '%s'; known: %s", shown, name, new java.util.TreeSet<>(knownOptions));
                options.put(name, value);
            }
        }
        return new StoreUri(scheme, bucket, prefix, options);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /** A yes/no option: absent gives {@code dflt}; "true/yes/1" and "false/no/0" are accepted. */
    public boolean flag(String name, boolean dflt) {
        String v = options.get(name);
        if (v == null) return dflt;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw FsException.of(Errno.EINVAL, "%s: option %s wants true or false, not '%s'", display(), name, v);
        };
    }

    /** A positive integer option. */
    public int intOption(String name, int dflt) {
        String v = options.get(name);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw FsException.of(Errno.EINVAL, "%s: option %s wants a positive integer, not '%s'", display(), name, v);
        }
    }

    /** The store's full key for a key relative to the URI. */
    public String fullKey(String key) {
        return prefix + key;
    }

    /** The key relative to the URI for a full key that starts with the prefix. */
    public String relativeKey(String fullKey) {
        return fullKey.substring(prefix.length());
    }

    /** scheme://bucket/prefix, without options: what messages and logs show. */
    public String display() {
        return scheme + "://" + bucket + "/" + prefix;
    }
}
