package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.api.VolumeUsage;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.VolumeKeys;
import io.tarn.objectstore.ObjectStores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tarn volume create|list|info|set|quota|delete}. */
@Command(name = "volume", mixinStandardHelpOptions = true, description = "Create, list, inspect and delete volumes.",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.List.class, VolumeCommand.Info.class,
                VolumeCommand.Set.class, VolumeCommand.Quota.class, VolumeCommand.Delete.class})
final class VolumeCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a volume.")
    static final class Create implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--store", paramLabel = "URI",
                description = "Object store for the blocks, e.g. file:///srv/tarn (default with --data: DIR/objects).")
        String store;
        @Option(names = "--block-size", defaultValue = "4M", description = "256K to 8M, fixed at creation (default: ${DEFAULT-VALUE}).")
        String blockSize;
        @Option(names = "--compression", defaultValue = "lz4", description = "lz4, zstd or none (default: ${DEFAULT-VALUE}).")
        String compression;
        @Option(names = "--retention", defaultValue = "7d", description = "How long overwritten data is kept for time travel: 7d, 12h, 0 (off), -1 (forever). Default: ${DEFAULT-VALUE}.")
        String retention;
        @Option(names = "--encrypt", description = "Encrypt every block on the client with AES-256-GCM; needs --key-file or --passphrase-file.")
        boolean encrypt;
        @Option(names = "--key-file", paramLabel = "FILE", description = "With --encrypt: the volume key, 32 bytes (tarn key create FILE).")
        Path keyFile;
        @Option(names = "--passphrase-file", paramLabel = "FILE", description = "With --encrypt: derive the key from the first line of FILE with Argon2id.")
        Path passphraseFile;
        @Option(names = "--encrypt-names", description = "With --encrypt: also encrypt file names, symlink targets and user xattr values "
                + "(names then hold at most 175 bytes; server-side tools cannot match them).")
        boolean encryptNames;
        @Option(names = "--proxy", paramLabel = "HOST:PORT[,HOST:PORT]",
                description = "Send this volume's blocks through a proxy group (tarn proxy) serving the same --store.")
        String proxy;
        @Option(names = "--kdf-memory", defaultValue = "64M", description = "Argon2id memory for a passphrase (default: ${DEFAULT-VALUE}).")
        String kdfMemory;
        @Option(names = "--kdf-passes", defaultValue = "3", description = "Argon2id passes for a passphrase (default: ${DEFAULT-VALUE}).")
        int kdfPasses;
        @Option(names = "--quota-bytes", paramLabel = "SIZE", description = "Most bytes the volume's files may hold (written blocks; holes and history do not count), e.g. 10G.")
        String quotaBytes;
        @Option(names = "--quota-inodes", paramLabel = "N", description = "Most files, directories and symlinks the volume may hold, e.g. 1M.")
        String quotaInodes;

        @Override
        public Integer call() {
            long bs = Sizes.bytes(blockSize);
            if (bs > Integer.MAX_VALUE) throw FsException.of(Errno.EINVAL, "block size too large: %s", blockSize);
            KeySource source = VolumeKeyFiles.source(keyFile, passphraseFile, "--key-file", "--passphrase-file");
            if (!encrypt && (source != null || encryptNames))
                throw FsException.of(Errno.EINVAL, "--key-file, --passphrase-file and --encrypt-names need --encrypt");
            if (encrypt && source == null) throw FsException.of(Errno.EINVAL, "--encrypt needs --key-file FILE or --passphrase-file FILE");
            // Checked before the (slow) key derivation and before anything is created.
            new VolumeSpec(name, "check:", (int) bs, compression, Sizes.seconds(retention), null, proxy);
            long qBytes = quotaBytes == null ? 0 : Sizes.quotaBytes(quotaBytes), qInodes = quotaInodes == null ? 0 : Sizes.quotaCount(quotaInodes);
            VolumeEncryption encryption = VolumeEncryption.NONE;
            if (encrypt) {
                VolumeKeyFiles.NewKey k = VolumeKeyFiles.newKey(source, kdfMemory, kdfPasses);
                encryption = VolumeEncryption.aesGcm(encryptNames, VolumeKeys.firstGeneration(k.key(), k.kdf()));
                k.wipe();
            }
            try (MetaConnection mc = meta.connect()) {
                String uri = store != null ? store : Volumes.defaultStore(mc, name);
                VolumeSpec vs = new VolumeSpec(name, uri, (int) bs, compression, Sizes.seconds(retention), encryption, proxy);
                Volumes.checkStore(uri);
                VolumeInfo v = mc.service().createVolume(vs);
                spec.commandLine().getOut().printf("created volume %s (%s) on %s, block size %s, compression %s, encryption %s%s%n",
                        v.name(), v.uuid(), v.storeUri(), Sizes.human(v.blockSize()), v.compression(), v.encryption().describe(),
                        v.proxy().isEmpty() ? "" : ", through proxy group " + v.proxy());
                if (qBytes > 0 || qInodes > 0) {
                    try {
                        Quota.print(spec.commandLine().getOut(), name, mc.service().setVolumeQuota(name, qBytes, qInodes));
                    } catch (FsException e) {
                        throw new FsException(e.errno(), "volume " + name + " was created, but its quota was not set ("
                                + e.getMessage() + "); set it with: tarn volume quota " + name, e);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List volumes.")
    static final class List implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            try (MetaConnection mc = meta.connect()) {
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-24s %-10s %-6s %-11s %s%n", "NAME", "BLOCK", "COMP", "ENCRYPTION", "STORE");
                for (VolumeInfo v : mc.service().listVolumes())
                    out.printf("%-24s %-10s %-6s %-11s %s%n", v.name(), Sizes.human(v.blockSize()), v.compression(),
                            v.encryption().cipher(), v.storeUri());
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show one volume.")
    static final class Info implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            try (MetaConnection mc = meta.connect()) {
                VolumeInfo v = mc.service().volume(name);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("name:        %s%n", v.name());
                out.printf("uuid:        %s%n", v.uuid());
                out.printf("store:       %s%n", v.storeUri());
                out.printf("block size:  %s%n", Sizes.human(v.blockSize()));
                out.printf("compression: %s (incompressible blocks stored raw)%n", v.compression());
                out.printf("encryption:  %s%n", v.encryption().describe());
                out.printf("proxy:       %s%n", v.proxy().isEmpty() ? "none (blocks go straight to the store)" : v.proxy());
                out.printf("retention:   %s%n", v.retentionSeconds() < 0 ? "forever"
                        : v.retentionSeconds() == 0 ? "off" : v.retentionSeconds() + " s");
                out.printf("created:     %s%n", Instant.ofEpochSecond(0, v.createdNs()));
                try {
                    VolumeUsage u = mc.service().volumeUsage(name);
                    out.printf("live:        %s in %d inodes%n", Sizes.human(u.liveBytes()), u.liveInodes());
                    out.printf("history:     %s in %d blocks held only for time travel%n", Sizes.human(u.historyBytes()), u.historyBlocks());
                    out.printf("oldest view: %s%n", u.oldestInstantNs() < 0 ? "none" : Instant.ofEpochSecond(0, u.oldestInstantNs()));
                } catch (FsException e) {
                    if (e.errno() != Errno.ENOTSUP) throw e;
                }
                try {
                    io.tarn.api.StatFs q = mc.service().volumeQuota(name);
                    out.printf("quota:       %s, %s%n", q.quotaBytes() > 0 ? Sizes.human(q.quotaBytes()) : "no byte limit",
                            q.quotaInodes() > 0 ? q.quotaInodes() + " inodes" : "no inode limit");
                } catch (FsException e) {
                    if (e.errno() != Errno.ENOTSUP && e.errno() != Errno.ENOSYS) throw e;
                }
            }
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Change a volume's settings.")
    static final class Set implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--retention",
                description = "How long history is kept for time travel: 30d, 12h, 0 (off), -1 (forever).")
        String retention;
        @Option(names = "--proxy", paramLabel = "HOST:PORT[,HOST:PORT]|none",
                description = "Send the volume's blocks through this proxy group from the next mount on; none: straight to the store. "
                        + "Change it only once the old group has uploaded what it staged.")
        String proxy;

        @Override
        public Integer call() {
            if (retention == null && proxy == null) throw FsException.of(Errno.EINVAL, "give --retention or --proxy");
            long seconds = retention == null ? 0 : Sizes.seconds(retention);
            String group = proxy == null ? null : proxy.strip().equals("none") ? "" : VolumeSpec.checkProxy(proxy);
            if (group != null && group.isEmpty() && !proxy.strip().equals("none"))
                throw FsException.of(Errno.EINVAL, "--proxy wants HOST:PORT[,HOST:PORT] or none");
            try (MetaConnection mc = meta.connect()) {
                PrintWriter out = spec.commandLine().getOut();
                if (retention != null) {
                    VolumeInfo v = mc.service().setRetention(name, seconds);
                    out.printf("volume %s: retention %s%n", v.name(), v.retentionSeconds() < 0 ? "forever"
                            : v.retentionSeconds() == 0 ? "off" : v.retentionSeconds() + " s");
                }
                if (group != null) {
                    VolumeInfo v = mc.service().setVolumeProxy(name, group);
                    out.printf("volume %s: proxy group %s%n", v.name(), v.proxy().isEmpty() ? "none" : v.proxy());
                }
            }
            return 0;
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true,
            description = "Show or change a volume's quota: the bytes its files' written blocks may hold and the inodes it may have. "
                    + "Writes past it fail with EDQUOT (\"Disk quota exceeded\"); df on a mount shows it as the size.")
    static final class Quota implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--bytes", paramLabel = "SIZE", description = "Byte limit, e.g. 10G, or none.") String bytes;
        @Option(names = "--inodes", paramLabel = "N", description = "Inode limit, e.g. 1M (decimal), or none.") String inodes;

        @Override
        public Integer call() {
            long b = bytes == null ? -1 : Sizes.quotaBytes(bytes), i = inodes == null ? -1 : Sizes.quotaCount(inodes);
            try (MetaConnection mc = meta.connect()) {
                io.tarn.api.StatFs q = b < 0 && i < 0 ? mc.service().volumeQuota(name) : mc.service().setVolumeQuota(name, b, i);
                print(spec.commandLine().getOut(), name, q);
            }
            return 0;
        }

        static void print(PrintWriter out, String name, io.tarn.api.StatFs q) {
            out.printf("volume %s: %s of %s used, %d inodes of %s%n", name, Sizes.human(q.usedBytes()),
                    q.quotaBytes() > 0 ? Sizes.human(q.quotaBytes()) : "no limit", q.usedInodes(),
                    q.quotaInodes() > 0 ? String.valueOf(q.quotaInodes()) : "no limit");
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a volume and all its blocks. Refuses unless --yes is given.")
    static final class Delete implements Callable<Integer> {
        @Mixin MetaOptions meta;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--yes", description = "Confirm: the volume's files and blocks are deleted for good.") boolean yes;

        @Override
        public Integer call() {
            try (MetaConnection mc = meta.connect()) {
                VolumeInfo v = mc.service().volume(name);
                if (!yes)
                    throw FsException.of(Errno.EPERM, "refusing to delete volume %s and all its data without --yes", name);
                long n = 0;
                try (ObjectStore store = ObjectStores.open(v.storeUri());
                     Stream<ObjectInfo> objects = store.list(v.uuid() + "/", null)) {
                    for (Iterator<ObjectInfo> it = objects.iterator(); it.hasNext(); n++) store.delete(it.next().key());
                }
                mc.service().deleteVolume(name);
                spec.commandLine().getOut().printf("deleted volume %s and %d objects%n", name, n);
            }
            return 0;
        }
    }
}
