package io.tarn.cli;

import io.tarn.api.BlockRef;
import io.tarn.api.GcClients;
import io.tarn.api.MetaService;
import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.client.block.BlockCodec;
import io.tarn.client.block.Compression;
import io.tarn.objectstore.ObjectStores;
import io.tarn.server.gc.BlockObjects;
import io.tarn.server.gc.LedgerPages;
import io.tarn.server.gc.StoreListing;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
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
 * is missing, corrupt, or leaked (and not repaired). The metadata may be remote or embedded: fsck reads
 * it through the paged GC calls of MetaService and the store directly (ADR 0081). Only history the
 * window can still show counts: a missing object of expired garbage is GC's business, not damage.
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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (MetaConnection mc = meta.connect()) {
            MetaService svc = mc.service();
            VolumeInfo v = svc.volume(volume);
            // Verifying an encrypted volume needs its key (ADR 0091): without it every block would read as corrupt.
            io.tarn.client.crypt.KeySource source = VolumeKeyFiles.source(keyFile, passphraseFile, "--key-file", "--passphrase-file");
            io.tarn.client.crypt.VolumeKeys unlocked = verify || source != null ? io.tarn.client.crypt.VolumeKeys.unlock(v, source) : null;
            BlockCodec codec = new BlockCodec(Compression.parse(v.compression()), unlocked == null ? null : unlocked.blockCipher());
            BlockObjects keys = new BlockObjects(v.uuid());
            try (ObjectStore store = ObjectStores.open(v.storeUri());
                 ProgressBar bar = new ProgressBar(spec.commandLine().getErr())) {
                bar.phase("listing the store", -1);
                StoreListing listing = StoreListing.of(store, keys, bar);
                long[] objects = listing.sortedIds();
                // Read after the listing (as GC does): an object uploaded since is found by a second look, not reported.
                GcClients clients = svc.gcClients(volume);
                long horizon = svc.gcHorizon(volume);
                long[] counts = new long[4]; // missing, corrupt, live blocks with an object, inline blocks
                LedgerPages.Ids liveIds = new LedgerPages.Ids();
                bar.phase("checking live blocks", -1);
                LedgerPages.forEachLiveBlock(svc, volume, b -> {
                    bar.advance(1);
                    long id = b.block().blockId();
                    liveIds.add(id);
                    // An inline block has no object (ADR 0141); its bytes are checked by every read of it.
                    if (b.inline()) {
                        counts[3]++;
                        return;
                    }
                    counts[2]++;
                    String key = keys.key(id);
                    if (!listed(objects, id) && store.head(key).isEmpty()) {
                        counts[0]++;
                        out.printf("MISSING   %s (inode %d, block %d)%n", key, b.ino(), b.block().index());
                    } else if (verify && !decodes(store, key, codec, b.block(), out)) {
                        counts[1]++;
                    }
                });
                long[] live = liveIds.sorted();
                long[] hist = new long[2]; // held for time travel, missing of them
                LedgerPages.Ids historyIds = new LedgerPages.Ids();
                bar.phase("checking history", -1);
                LedgerPages.forEachGarbage(svc, volume, g -> {
                    bar.advance(1);
                    historyIds.add(g.blockId());
                    // Expired records are GC's to drop: no instant can reach them, so a missing object is no damage.
                    if (g.timeNs() < horizon) return;
                    hist[0]++;
                    String key = keys.key(g.blockId());
                    if (!listed(live, g.blockId()) && !listed(objects, g.blockId()) && store.head(key).isEmpty()) {
                        hist[1]++;
                        out.printf("MISSING   %s (held for time travel: inode %d, block %d)%n", key, g.ino(), g.index());
                    }
                });
                long[] history = historyIds.sorted();
                long nowMs = System.currentTimeMillis(), graceMs = Duration.ofSeconds(Sizes.seconds(grace)).toMillis();
                long leaked = 0, pending = 0, repaired = 0;
                bar.phase("unreferenced objects", listing.size() + listing.strangers().size());
                List<ObjectInfo> unreferenced = new ArrayList<>(listing.strangers());
                for (int i = 0; i < listing.size(); i++) {
                    long id = listing.id(i);
                    if (!listed(live, id) && !listed(history, id))
                        unreferenced.add(new ObjectInfo(keys.key(id), listing.size(i), listing.modifiedMillis(i)));
                }
                for (ObjectInfo o : unreferenced) {
                    bar.advance(1);
                    long id = keys.idOf(o.key());
                    if (nowMs - o.lastModifiedMillis() < graceMs || clients.mayCommit(id, o.lastModifiedMillis())) {
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
                                + "leaked %d, pending %d, removed %d; %d inline blocks (no object)%s%n",
                        volume, counts[2], hist[0], listing.size() + listing.strangers().size(), counts[0], hist[1],
                        verify ? counts[1] : 0, leaked, pending, repaired, counts[3], verify ? "" : " (checksums not read; --verify)");
                return counts[0] + hist[1] + counts[1] + leaked > 0 ? 1 : 0;
            }
        }
    }

    private static boolean listed(long[] sorted, long id) {
        return Arrays.binarySearch(sorted, id) >= 0;
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
