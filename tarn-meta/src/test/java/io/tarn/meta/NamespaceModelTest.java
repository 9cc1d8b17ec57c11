package io.tarn.meta;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.MetaService;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random namespace operations against a small reference model of a POSIX tree: after every step the
 * outcome (success or errno) must agree, and periodically the whole tree, link counts and statfs.
 */
class NamespaceModelTest {
    private static final List<String> NAMES = List.of("a", "b", "c", "d");

    private final Map<Long, TreeMap<String, Long>> dirs = new HashMap<>();
    private final Map<Long, Long> parentOf = new HashMap<>();
    private final Map<Long, Integer> fileLinks = new HashMap<>();
    private MetaService meta;
    private Ctx ctx;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomOperationsMatchTheModel(long seed) {
        meta = new LocalMetaService(new MemoryKvStore());
        try {
            meta.createVolume(new VolumeSpec("m", "mem://m", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            SessionInfo s = meta.openSession("m", "model");
            ctx = new Ctx(s.session(), 0, Caller.ROOT);
            dirs.put(1L, new TreeMap<>());
            Random rnd = new Random(seed);
            for (int step = 0; step < 1500; step++) {
                String what = step(rnd);
                if (step % 100 == 99) compareTree("seed " + seed + " step " + step + " " + what);
            }
            compareTree("seed " + seed + " end");
        } finally {
            meta.close();
        }
    }

    private String step(Random rnd) {
        List<Long> dirList = new ArrayList<>(dirs.keySet());
        long p = dirList.get(rnd.nextInt(dirList.size())), q = dirList.get(rnd.nextInt(dirList.size()));
        String n = NAMES.get(rnd.nextInt(NAMES.size())), m = NAMES.get(rnd.nextInt(NAMES.size()));
        int op = rnd.nextInt(7);
        String what = switch (op) {
            case 0 -> "mkdir " + p + "/" + n;
            case 1 -> "create " + p + "/" + n;
            case 2 -> "unlink " + p + "/" + n;
            case 3 -> "rmdir " + p + "/" + n;
            case 4 -> "link " + p + "/" + n + " -> " + q + "/" + m;
            default -> "rename " + p + "/" + n + " -> " + q + "/" + m;
        };
        int flags = op == 6 ? (rnd.nextBoolean() ? MetaService.RENAME_EXCHANGE : MetaService.RENAME_NOREPLACE) : 0;
        Errno expected = expect(op, p, n, q, m, flags);
        Errno got = null;
        try {
            switch (op) {
                case 0 -> meta.mkdir(ctx, p, n, 0755);
                case 1 -> meta.release(ctx, meta.create(ctx, p, n, 0644, 2).ino());
                case 2 -> meta.unlink(ctx, p, n);
                case 3 -> meta.rmdir(ctx, p, n);
                case 4 -> {
                    Attr src = meta.lookup(ctx, p, n);
                    meta.link(ctx, src.ino(), q, m);
                }
                default -> meta.rename(ctx, p, n, q, m, flags);
            }
        } catch (FsException e) {
            got = e.errno();
        }
        assertEquals(expected, got, what + " flags " + flags);
        if (expected == null) apply(op, p, n, q, m, flags);
        return what;
    }

    private boolean isDir(long ino) {
        return dirs.containsKey(ino);
    }

    private boolean inSubtree(long ino, long top) {
        for (long x = ino; ; x = parentOf.get(x)) {
            if (x == top) return true;
            if (x == 1) return false;
        }
    }

    /** The errno the model predicts, or null for success. */
    private Errno expect(int op, long p, String n, long q, String m, int flags) {
        Long src = dirs.get(p).get(n);
        Long dst = dirs.get(q).get(m);
        return switch (op) {
            case 0, 1 -> src != null ? Errno.EEXIST : null;
            case 2 -> src == null ? Errno.ENOENT : isDir(src) ? Errno.EISDIR : null;
            case 3 -> src == null ? Errno.ENOENT : !isDir(src) ? Errno.ENOTDIR : !dirs.get(src).isEmpty() ? Errno.ENOTEMPTY : null;
            case 4 -> src == null ? Errno.ENOENT : isDir(src) ? Errno.EPERM : dst != null ? Errno.EEXIST : null;
            default -> {
                boolean exchange = flags == MetaService.RENAME_EXCHANGE, noReplace = flags == MetaService.RENAME_NOREPLACE;
                if (src == null) yield Errno.ENOENT;
                if (exchange && dst == null) yield Errno.ENOENT;
                if (noReplace && dst != null) yield Errno.EEXIST;
                if (dst != null && dst.equals(src)) yield null;
                if (p != q && isDir(src) && inSubtree(q, src)) yield Errno.EINVAL;
                if (p != q && exchange && isDir(dst) && inSubtree(p, dst)) yield Errno.EINVAL;
                if (exchange || dst == null) yield null;
                if (isDir(src) && !isDir(dst)) yield Errno.ENOTDIR;
                if (!isDir(src) && isDir(dst)) yield Errno.EISDIR;
                if (isDir(dst) && !dirs.get(dst).isEmpty()) yield Errno.ENOTEMPTY;
                yield null;
            }
        };
    }

    private void apply(int op, long p, String n, long q, String m, int flags) {
        switch (op) {
            case 0 -> {
                long ino = meta.lookup(ctx, p, n).ino();
                dirs.get(p).put(n, ino);
                dirs.put(ino, new TreeMap<>());
                parentOf.put(ino, p);
            }
            case 1 -> {
                long ino = meta.lookup(ctx, p, n).ino();
                dirs.get(p).put(n, ino);
                fileLinks.put(ino, 1);
            }
            case 2 -> drop(dirs.get(p).remove(n));
            case 3 -> drop(dirs.get(p).remove(n));
            case 4 -> {
                long ino = dirs.get(p).get(n);
                dirs.get(q).put(m, ino);
                fileLinks.merge(ino, 1, Integer::sum);
            }
            default -> {
                long src = dirs.get(p).get(n);
                Long dst = dirs.get(q).get(m);
                if (dst != null && dst == src) return;
                if (flags == MetaService.RENAME_EXCHANGE) {
                    dirs.get(p).put(n, dst);
                    dirs.get(q).put(m, src);
                    if (isDir(dst)) parentOf.put(dst, p);
                } else {
                    dirs.get(p).remove(n);
                    dirs.get(q).put(m, src);
                    if (dst != null) drop(dst);
                }
                if (isDir(src)) parentOf.put(src, q);
            }
        }
    }

    private void drop(long ino) {
        if (isDir(ino)) {
            dirs.remove(ino);
            parentOf.remove(ino);
        } else if (fileLinks.merge(ino, -1, Integer::sum) == 0) {
            fileLinks.remove(ino);
        }
    }

    private void compareTree(String where) {
        for (var d : dirs.entrySet()) {
            TreeMap<String, Long> actual = new TreeMap<>();
            for (DirEntry e : meta.readDir(ctx, d.getKey(), null, 1000, false).entries()) actual.put(e.name(), e.ino());
            assertEquals(d.getValue(), actual, where + ": entries of " + d.getKey());
            long subdirs = d.getValue().values().stream().filter(this::isDir).count();
            assertEquals(2 + subdirs, meta.getAttr(ctx, d.getKey()).nlink(), where + ": nlink of dir " + d.getKey());
            if (d.getKey() != 1) assertEquals(parentOf.get(d.getKey()), meta.lookup(ctx, d.getKey(), "..").ino(), where);
        }
        for (var f : fileLinks.entrySet())
            assertEquals((int) f.getValue(), meta.getAttr(ctx, f.getKey()).nlink(), where + ": nlink of file " + f.getKey());
        assertEquals(dirs.size() + fileLinks.size(), meta.statFs(ctx).usedInodes(), where + ": inode count");
    }
}
