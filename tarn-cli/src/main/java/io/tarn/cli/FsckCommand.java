package io.tarn.cli;

import io.tarn.api.BlockRef;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.client.block.BlockCodec;
import io.tarn.client.block.Compression;
import io.tarn.meta.GarbageLedger;
import io.tarn.meta.LocalMetaService;
import io.tarn.objectstore.ObjectStores;
import io.tarn.server.gc.BlockObjects;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tarn fsck VOLUME [--verify] [--repair]}: every block the metadata references (live files and
 * the history of the retention window) must exist, and with --verify decode with its recorded checksum
 * (the client's block codec: this is why fsck lives in the CLI, which may depend on the client, and not
 * in tarn-server, which may not). Objects nothing references are listed; --repair deletes those older
 * than the grace period that no live session may still commit, and nothing else. Exit 1 if anything
 * is missing, corrupt, or leaked (and not repaired).
 */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = "Check that every block the metadata references exists (and decodes, with --verify); list objects nothing references.")
final class FsckCommand implements Callable<Integer> {
    @Mixin MetaOptions meta;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "VOLUME") String volume;
    @Option(names = "--verify", description = "Read every live block and check its checksum.") boolean verify;
    @Option(names = "--repair", description = "Delete leaked objects (unreferenced, old, no live session may commit them). Nothing else.")
    boolean repair;
    @Option(names = "--grace", defaultValue = "1h", description = "Unreferenced objects younger than this are pending uploads (default: ${DEFAULT-VALUE}).")
    String grace;
    @Option(names = "--key-file", paramLabel = "FILE", description = "With --verify of an encrypted volume: its key file.") java.nio.file.Path keyFile;
    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "With --verify of an encrypted volume: its passphrase file.")
    java.nio.file.Path passphraseFile;

    private record Live(long ino, long index, int length, int stored, int crc) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (MetaConnection mc = meta.connect()) {
            LocalMetaService local = GcCommand.requireLocal(mc, "fsck");
            VolumeInfo v = local.volume(volume);
            // Verifying an encrypted volume needs its key (ADR 0091): without it every block would read as corrupt.
            io.tarn.client.crypt.KeySource source = VolumeKeyFiles.source(keyFile, passphraseFile, "--key-file", "--passphrase-file");
            io.tarn.client.crypt.VolumeKeys unlocked = verify || source != null ? io.tarn.client.crypt.VolumeKeys.unlock(v, source) : null;
            BlockCodec codec = new BlockCodec(Compression.parse(v.compression()), unlocked == null ? null : unlocked.blockCipher());
            GarbageLedger ledger = local.garbage();
            BlockObjects keys = new BlockObjects(v.uuid());
            try (ObjectStore store = ObjectStores.open(v.storeUri());
                 ProgressBar bar = new ProgressBar(spec.commandLine().getErr())) {
                bar.phase("listing the store", -1);
                Map<Long, ObjectInfo> objects = new HashMap<>();
                List<ObjectInfo> strangers = new ArrayList<>();
                try (Stream<ObjectInfo> s = store.list(keys.prefix(), null)) {
                    for (Iterator<ObjectInfo> it = s.iterator(); it.hasNext(); ) {
                        ObjectInfo o = it.next();
                        long id = keys.idOf(o.key());
                        if (id > 0) objects.put(id, o);
                        else strangers.add(o);
                        bar.advance(1);
                    }
                }
                GarbageLedger.Clients clients = ledger.clients(volume);
                Map<Long, Live> live = new HashMap<>();
                bar.phase("reading block maps", -1);
                ledger.forEachLiveBlock(volume, (ino, index, id, length, stored, crc) -> {
                    live.put(id, new Live(ino, index, length, stored, crc));
                    bar.advance(1);
                });
                Set<Long> history = new HashSet<>();
                ledger.forEachGarbage(volume, g -> history.add(g.blockId()));

                long missing = 0, missingHistory = 0, corrupt = 0, leaked = 0, pending = 0, repaired = 0;
                bar.phase("checking blocks", live.size() + history.size());
                for (var e : live.entrySet()) {
                    bar.advance(1);
                    Live l = e.getValue();
                    if (!objects.containsKey(e.getKey())) {
                        missing++;
                        out.printf("MISSING   %s (inode %d, block %d)%n", keys.key(e.getKey()), l.ino(), l.index());
                    } else if (verify && !decodes(store, keys.key(e.getKey()), codec,
                            new BlockRef(l.index(), e.getKey(), l.length(), l.stored(), l.crc()), out)) {
                        corrupt++;
                    }
                }
                for (long id : history) {
                    bar.advance(1);
                    if (!live.containsKey(id) && !objects.containsKey(id)) {
                        missingHistory++;
                        out.printf("MISSING   %s (held for time travel)%n", keys.key(id));
                    }
                }
                long nowMs = System.currentTimeMillis(), graceMs = Duration.ofSeconds(Sizes.seconds(grace)).toMillis();
                List<ObjectInfo> unreferenced = new ArrayList<>(strangers);
                for (var e : objects.entrySet())
                    if (!live.containsKey(e.getKey()) && !history.contains(e.getKey())) unreferenced.add(e.getValue());
                for (ObjectInfo o : unreferenced) {
                    long id = keys.idOf(o.key());
                    boolean young = nowMs - o.lastModifiedMillis() < graceMs;
                    boolean sessionMayCommit = id > 0 && id < clients.reservedBelow() && clients.oldestSessionOpenedNs() >= 0
                            && clients.oldestSessionOpenedNs() / 1_000_000L <= o.lastModifiedMillis();
                    if (young || sessionMayCommit) {
                        pending++;
                        out.printf("PENDING   %s (%s, may still be committed)%n", o.key(), Sizes.human(o.size()));
                    } else if (repair) {
                        store.delete(o.key());
                        repaired++;
                        out.printf("REMOVED   %s (%s)%n", o.key(), Sizes.human(o.size()));
                    } else {
                        leaked++;
                        out.printf("LEAKED    %s (%s)%n", o.key(), Sizes.human(o.size()));
                    }
                }
                bar.close();
                out.printf("fsck %s: %d live blocks, %d held for time travel, %d objects; missing %d (+%d of history), corrupt %d, "
                                + "leaked %d, pending %d, removed %d%s%n",
                        volume, live.size(), history.size(), objects.size() + strangers.size(), missing, missingHistory,
                        verify ? corrupt : 0, leaked, pending, repaired, verify ? "" : " (checksums not read; --verify)");
                return missing + missingHistory + corrupt + leaked > 0 ? 1 : 0;
            }
        }
    }

    private static boolean decodes(ObjectStore store, String key, BlockCodec codec, BlockRef ref, PrintWriter out) {
        Optional<ByteBuffer> got = store.get(key, 0, -1);
        if (got.isEmpty()) {
            out.printf("MISSING   %s (vanished while checking)%n", key);
            return false;
        }
        try {
            codec.decode(key, ref, got.get());
            return true;
        } catch (RuntimeException e) {
            out.printf("CORRUPT   %s: %s%n", key, Main.oneLine(e));
            return false;
        }
    }
}
