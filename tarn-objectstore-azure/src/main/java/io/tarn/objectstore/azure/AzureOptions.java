package io.tarn.objectstore.azure;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.objectstore.StoreUri;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * An Azure Blob store as {@code az://container/prefix?account=NAME[&endpoint=...]}, parsed at the edge.
 * Credentials, first found wins: {@code credentials-file=} (properties {@code connection_string=} or
 * {@code account_key=}), the environment ({@code AZURE_STORAGE_CONNECTION_STRING}, or
 * {@code AZURE_STORAGE_KEY} with the account), else the default Azure credential chain (managed
 * identity, environment service principal, Azure CLI ...).
 *
 * @param location    container and prefix
 * @param account     storage account name (needed unless a connection string names it)
 * @param endpoint    blob service endpoint; default https://ACCOUNT.blob.core.windows.net
 * @param credentials how to sign requests
 * @param connections HTTP connection pool size
 * @param timeout     one request's time limit
 */
public record AzureOptions(StoreUri location, Optional<String> account, Optional<String> endpoint,
                           Credentials credentials, int connections, Duration timeout) {
    static final String EXAMPLE = "az://container/prefix?account=myaccount";
    static final Set<String> OPTIONS = Set.of("account", "endpoint", "credentials-file", "connections", "timeout-seconds");

    /** How requests are signed. Never printed: records of secrets keep their toString quiet. */
    public sealed interface Credentials {
        record ConnectionString(String value) implements Credentials {
            @Override
            public String toString() {
                return "ConnectionString[hidden]";
            }
        }

        record AccountKey(String value) implements Credentials {
            @Override
            public String toString() {
                return "AccountKey[hidden]";
            }
        }

        record DefaultChain() implements Credentials {}
    }

    public static AzureOptions parse(URI uri) {
        StoreUri u = StoreUri.parse(uri, EXAMPLE, OPTIONS);
        Optional<String> account = u.option("account");
        Optional<String> endpoint = u.option("endpoint");
        endpoint.ifPresent(e -> {
            URI ep;
            try {
                ep = URI.create(e);
            } catch (IllegalArgumentException bad) {
                throw FsException.of(Errno.EINVAL, "%s: endpoint '%s' is not a URL", u.display(), e);
            }
            if (ep.getHost() == null || ep.getRawUserInfo() != null || ep.getRawQuery() != null
                    || !("http".equals(ep.getScheme()) || "https".equals(ep.getScheme())))
                throw FsException.of(Errno.EINVAL, "%s: endpoint must be http(s)://host[:port][/account] without credentials", u.display());
        });
        Credentials c = credentials(u, account);
        if (account.isEmpty() && endpoint.isEmpty() && !(c instanceof Credentials.ConnectionString))
            throw FsException.of(Errno.EINVAL, "%s names no storage account: write it as %s", u.display(), EXAMPLE);
        return new AzureOptions(u, account, endpoint, c, u.intOption("connections", 256),
                Duration.ofSeconds(u.intOption("timeout-seconds", 60)));
    }

    private static Credentials credentials(StoreUri u, Optional<String> account) {
        Optional<String> file = u.option("credentials-file");
        if (file.isPresent()) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(file.get()))) {
                p.load(in);
            } catch (IOException e) {
                throw FsException.of(Errno.EINVAL, "%s: cannot read credentials file %s: %s", u.display(), file.get(), e.getClass().getSimpleName());
            }
            if (p.getProperty("connection_string") != null) return new Credentials.ConnectionString(p.getProperty("connection_string").trim());
            if (p.getProperty("account_key") != null) return new Credentials.AccountKey(p.getProperty("account_key").trim());
            throw FsException.of(Errno.EINVAL, "%s: credentials file %s needs connection_string= or account_key=", u.display(), file.get());
        }
        String cs = System.getenv("AZURE_STORAGE_CONNECTION_STRING");
        if (cs != null && !cs.isBlank()) return new Credentials.ConnectionString(cs);
        String key = System.getenv("AZURE_STORAGE_KEY");
        if (key != null && !key.isBlank() && account.isPresent()) return new Credentials.AccountKey(key);
        return new Credentials.DefaultChain();
    }

    /** The blob service URL requests go to. */
    String serviceUrl() {
        return endpoint.orElseGet(() -> "https://" + account.orElse("") + ".blob.core.windows.net");
    }

    public String describe() {
        return location.display() + " at " + endpoint.orElseGet(() -> account.map(a -> "account " + a).orElse("the connection string's account"));
    }
}
