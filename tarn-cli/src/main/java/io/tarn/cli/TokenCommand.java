package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.auth.AccessToken;
import io.tarn.api.auth.IssuedToken;
import io.tarn.api.auth.TokenSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tarn token create|list|revoke}: access tokens of a metadata server (ADR 0100). The server keeps
 * a hash only, so a token is shown once, when it is created. Against a server, an admin token is needed.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Issue, list and revoke access tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class})
final class TokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Issue a token for VOLUME (or --admin). Prints the token on stdout, once; the server keeps only its hash.")
    static final class Create implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "VOLUME") String volume;
        @Option(names = "--admin", description = "A token for every volume and for managing volumes and tokens.") boolean admin;
        @Option(names = "--read-only", description = "Every change is refused with EROFS.") boolean readOnly;
        @Option(names = "--expires", paramLabel = "DURATION", description = "Stop working after this long: 30d, 12h, 90m (default: never).")
        String expires;
        @ArgGroup(exclusive = true) Identity identity;
        @Option(names = "--out", paramLabel = "FILE", description = "Write the token to this new file (mode 0600) instead of stdout.")
        Path out;

        static final class Identity {
            @ArgGroup(exclusive = false) Squash squash;
            @Option(names = "--trust-uids", description = "Believe the uid and gid the client sends (clients you administer).")
            boolean trust;
        }

        static final class Squash {
            @Option(names = "--uid", required = true, paramLabel = "UID", description = "Every caller of this token acts as UID.") int uid;
            @Option(names = "--gid", paramLabel = "GID", description = "... and as GID (default: UID).") Integer gid;
        }

        @Override
        public Integer call() throws IOException {
            if (admin == (volume != null)) throw FsException.of(Errno.EINVAL, "give a VOLUME or --admin (one of them)");
            boolean trust = admin ? identity == null || identity.trust : identity != null && identity.trust;
            Squash sq = identity == null ? null : identity.squash;
            if (!trust && sq == null)
                throw FsException.of(Errno.EINVAL, "say who the token's callers are: --uid UID [--gid GID] (every caller becomes "
                        + "that user) or --trust-uids (the client's uids are believed)");
            if (sq != null && (sq.uid < 0 || (sq.gid != null && sq.gid < 0))) throw FsException.of(Errno.EINVAL, "uid and gid must be >= 0");
            long expiresNs = 0;
            if (expires != null) {
                long s = Sizes.seconds(expires);
                if (s <= 0) throw FsException.of(Errno.EINVAL, "--expires must be a positive duration, not %s", expires);
                Instant at = Instant.now().plusSeconds(s);
                expiresNs = at.getEpochSecond() * 1_000_000_000L + at.getNano();
            }
            TokenSpec ts = new TokenSpec(admin ? null : volume, readOnly, expiresNs, trust, sq == null ? 0 : sq.uid,
                    sq == null ? 0 : sq.gid == null ? sq.uid : sq.gid);
            if (out != null && Files.exists(out)) throw FsException.of(Errno.EEXIST, "%s exists; not overwriting a token file", out);
            IssuedToken t;
            try (MetaConnection mc = meta.connect()) {
                t = mc.tokens().createToken(ts);
            }
            PrintWriter err = spec.commandLine().getErr();
            if (out != null) {
                write(out, t.secret());
                err.printf("tarn: token %s (%s%s) written to %s%n", t.info().id(), t.info().describe(), expiry(t.info()), out);
            } else {
                spec.commandLine().getOut().println(t.secret());
                err.printf("tarn: token %s (%s%s); it is shown only now%n", t.info().id(), t.info().describe(), expiry(t.info()));
            }
            return 0;
        }

        private static void write(Path file, String secret) throws IOException {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                throw FsException.of(Errno.EEXIST, "%s exists; not overwriting a token file", file);
            }
            Files.writeString(file, secret + "\n");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (of VOLUME, or all), revoked and expired ones too.")
    static final class List implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "VOLUME") String volume;

        @Override
        public Integer call() {
            try (MetaConnection mc = meta.connect()) {
                PrintWriter out = spec.commandLine().getOut();
                long now = Instant.now().getEpochSecond() * 1_000_000_000L;
                java.util.List<AccessToken> tokens = mc.tokens().listTokens(volume);
                out.printf("%-16s %-16s %-10s %-20s %-8s %-20s %s%n", "ID", "VOLUME", "MODE", "CALLERS", "STATE", "EXPIRES", "CREATED");
                for (AccessToken t : tokens) {
                    out.printf("%-16s %-16s %-10s %-20s %-8s %-20s %s%n", t.id(), t.admin() ? "(admin)" : t.volume(),
                            t.readOnly() ? "read-only" : "read-write", t.trustUids() ? "trusted uids" : "uid " + t.uid() + " gid " + t.gid(),
                            t.state(now), t.expiresNs() == 0 ? "never" : instant(t.expiresNs()), instant(t.createdNs()));
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token: its next call fails, open sessions included.")
    static final class Revoke implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            try (MetaConnection mc = meta.connect()) {
                AccessToken t = mc.tokens().revokeToken(id);
                spec.commandLine().getOut().printf("revoked token %s (%s) at %s%n", t.id(), t.describe(), instant(t.revokedNs()));
            }
            return 0;
        }
    }

    static String instant(long ns) {
        return Instant.ofEpochSecond(0, ns).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    static String expiry(AccessToken t) {
        return t.expiresNs() == 0 ? ", never expires" : ", expires " + instant(t.expiresNs());
    }
}
