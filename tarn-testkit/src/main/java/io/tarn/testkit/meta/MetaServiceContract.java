package io.tarn.testkit.meta;

import io.tarn.api.Attr;
import io.tarn.api.DirEntry;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole {@link io.tarn.api.MetaService} contract: extend this and implement {@link #open()}.
 * The suites it inherits cover volumes, sessions, request ids, the namespace, attributes, block maps
 * xattrs and the garbage collection calls; this class adds concurrent use of one directory.
 */
public abstract class MetaServiceContract extends QuotaContract {

    /**
     * Threads create, rename, link and remove names in one directory at once; afterwards every name
     * resolves, nlink counts match, no inode is lost or leaked and statfs agrees.
     */
    @Test
    void concurrentMutationsInOneDirectoryKeepInvariants() throws Exception {
        long dir = meta.mkdir(root(), root, "busy", 0755).ino();
        int threads = 8, ops = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < ops; i++) {
                        String a = "n" + rnd.nextInt(12), b = "n" + rnd.nextInt(12);
                        try {
                            switch (rnd.nextInt(7)) {
                                case 0 -> file(root(), dir, a, 0644);
                                case 1 -> meta.mkdir(root(), dir, a, 0755);
                                case 2, 3 -> meta.rename(root(), dir, a, dir, b, 0);
                                case 4 -> meta.unlink(root(), dir, a);
                                case 5 -> meta.link(root(), meta.lookup(root(), dir, a).ino(), dir, b);
                                default -> meta.rmdir(root(), dir, a);
                            }
                        } catch (FsException e) {
                            if (!Set.of(Errno.EEXIST, Errno.ENOENT, Errno.EPERM, Errno.EISDIR, Errno.ENOTDIR, Errno.ENOTEMPTY)
                                    .contains(e.errno())) throw e;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        List<DirEntry> entries = meta.readDir(root(), dir, null, 1000, true).entries();
        Set<Long> inos = new HashSet<>();
        int subdirs = 0;
        Map<Long, Integer> names = new HashMap<>();
        for (DirEntry e : entries) {
            Attr a = meta.lookup(root(), dir, e.name());
            assertEquals(e.ino(), a.ino());
            assertEquals(e.type(), a.type());
            inos.add(a.ino());
            names.merge(a.ino(), 1, Integer::sum);
            if (a.isDir()) {
                subdirs++;
                assertEquals(2, a.nlink());
            }
        }
        for (long ino : inos) {
            Attr a = meta.getAttr(root(), ino);
            if (!a.isDir()) assertEquals((int) names.get(ino), a.nlink(), "nlink of " + ino);
        }
        assertEquals(2 + subdirs, meta.getAttr(root(), dir).nlink());
        assertEquals(2 + inos.size(), meta.statFs(root()).usedInodes(), "root, busy and the survivors");
    }
}
