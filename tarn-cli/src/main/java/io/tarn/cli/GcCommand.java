package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.meta.LocalMetaService;
import io.tarn.objectstore.ObjectStores;
import io.tarn.server.gc.GarbageCollector;
import io.tarn.server.gc.GcReport;
import io.tarn.server.gc.RateLimit;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tarn gc VOLUME [--dry-run]}: one garbage collection now (the metadata server also runs it
 * continuously). Needs the metadata engine in this process: an embedded data folder no daemon holds.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Delete blocks no file and no instant of the retention window can reach, and old uploads never committed.")
final class GcCommand implements Callable<Integer> {
    @Mixin MetaOptions meta;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "VOLUME") String volume;
    @Option(names = "--dry-run", description = "Report what would be deleted, delete nothing.") boolean dryRun;
    @Option(names = "--grace", defaultValue = "1h", description = "Uploads not committed are kept this long (default: ${DEFAULT-VALUE}).")
    String grace;

    @Override
    public Integer call() {
        try (MetaConnection mc = meta.connect()) {
            LocalMetaService local = requireLocal(mc, "gc");
            VolumeInfo v = local.volume(volume);
            GarbageCollector gc = new GarbageCollector(local.garbage(), Clock.systemUTC(),
                    Duration.ofSeconds(Sizes.seconds(grace)), RateLimit.UNLIMITED);
            PrintWriter out = spec.commandLine().getOut();
            GcReport r;
            try (ObjectStore store = ObjectStores.open(v.storeUri());
                 ProgressBar bar = new ProgressBar(spec.commandLine().getErr())) {
                r = gc.collect(v, store, dryRun, true, bar);
            }
            out.printf("%s%s: %d expired objects (%s), %d leaked uploads (%s); %d unreferenced objects kept (young or a live session may commit them)%n",
                    dryRun ? "would free on " : "freed on ", volume, r.garbageObjects(), Sizes.human(r.garbageBytes()),
                    r.leakedObjects(), Sizes.human(r.leakedBytes()), r.keptUnreferenced());
            out.printf("total: %d objects, %s%n", r.objects(), Sizes.human(r.bytes()));
        }
        return 0;
    }

    static LocalMetaService requireLocal(MetaConnection mc, String command) {
        LocalMetaService local = mc.local();
        if (local == null)
            throw FsException.of(Errno.ENOTSUP, "tarn %s needs the metadata store in this process: run it with --data on a folder "
                    + "no daemon holds (the metadata server and embedded mounts already collect garbage continuously)", command);
        return local;
    }
}
