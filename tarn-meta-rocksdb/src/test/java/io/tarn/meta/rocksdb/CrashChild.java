package io.tarn.meta.rocksdb;

import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import io.tarn.meta.LocalMetaService;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process {@link CrashDurabilityTest} kills: commits mkdirs from several threads as fast as it
 * can and prints "ack NAME" after each returns, until it is killed.
 */
public final class CrashChild {
    public static void main(String[] args) throws Exception {
        LocalMetaService meta = new LocalMetaService(RocksDbKvStore.open(Path.of(args[0])));
        meta.createVolume(new VolumeSpec("crash", "mem://crash", VolumeSpec.DEFAULT_BLOCK_SIZE, "none", 0));
        SessionInfo s = meta.openSession("crash", "child");
        long root = s.volume().rootIno();
        System.out.println("ready");
        System.out.flush();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int me = t;
            threads.add(Thread.ofPlatform().start(() -> {
                Ctx ctx = new Ctx(s.session(), 0, Caller.ROOT);
                for (int i = 0; ; i++) {
                    String name = "t" + me + "-" + i;
                    meta.mkdir(ctx, root, name, 0755);
                    synchronized (System.out) {
                        System.out.println("ack " + name);
                        System.out.flush();
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
    }
}
