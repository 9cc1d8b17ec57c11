package io.tarn.cli;

import io.tarn.api.MetaService;
import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
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
 * continuously). The metadata may be remote (--meta), in a folder a mount daemon holds (through its
 * endpoint) or embedded in this process: the collection asks it the GC calls of MetaService and lists
 * and deletes the objects itself (ADR 0081).
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
            MetaService svc = mc.service();
            VolumeInfo v = svc.volume(volume);
            GarbageCollector gc = new GarbageCollector(svc, Clock.systemUTC(),
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
}
