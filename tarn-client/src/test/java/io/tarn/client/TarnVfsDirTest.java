package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class TarnVfsDirTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final TarnVfs vfs = fx.client(ClientConfig.DEFAULTS.withDirPageSize(7).withRetry(VfsFixture.FAST));
    private final Caller c = Caller.ROOT;
    private long dir;

    @AfterEach
    void close() {
        fx.close();
    }

    private void fill(int n) {
        dir = vfs.mkdir(c, vfs.rootIno(), "d", 0755).ino();
        for (int i = 0; i < n; i++) vfs.mknod(c, dir, String.format("f%04d", i), Attr.S_IFREG | 0644, 0);
    }

    private List<Vfs.DirItem> readAll(long fh, int step, boolean plus) {
        List<Vfs.DirItem> all = new ArrayList<>();
        long off = 0;
        while (true) {
            List<Vfs.DirItem> page = vfs.readdir(fh, off, step, plus);
            if (page.isEmpty()) return all;
            assertTrue(page.size() <= step);
            all.addAll(page);
            off = page.getLast().nextOffset();
        }
    }

    @Test
    void listsDotsThenNamesInPages() {
        fill(100);
        long fh = vfs.opendir(c, dir);
        List<Vfs.DirItem> all = readAll(fh, 13, false);
        assertEquals(102, all.size());
        assertEquals(".", all.get(0).name());
        assertEquals(dir, all.get(0).ino());
        assertEquals("..", all.get(1).name());
        assertEquals(vfs.rootIno(), all.get(1).ino());
        for (int i = 0; i < 100; i++) assertEquals(String.format("f%04d", i), all.get(i + 2).name());
        vfs.releasedir(fh);
    }

    @Test
    void plusCarriesAttributes() {
        fill(10);
        long fh = vfs.opendir(c, dir);
        for (Vfs.DirItem e : readAll(fh, 4, true)) {
            assertNotNull(e.attr(), e.name());
            assertEquals(e.ino(), e.attr().ino());
            assertEquals(e.attr().type(), e.type(), "type carries the S_IFMT bits of the mode: " + e.name());
        }
    }

    @Test
    void offsetsStayStableWhileTheDirectoryChanges() {
        fill(60);
        long fh = vfs.opendir(c, dir);
        Set<String> seen = new HashSet<>();
        long off = 0;
        int round = 0;
        while (true) {
            List<Vfs.DirItem> page = vfs.readdir(fh, off, 9, false);
            if (page.isEmpty()) break;
            for (Vfs.DirItem e : page) assertTrue(seen.add(e.name()), "listed twice: " + e.name());
            off = page.getLast().nextOffset();
            // Between pages: remove a name already listed, add names before and after the cursor.
            vfs.mknod(c, dir, "a-new-" + round, Attr.S_IFREG | 0644, 0);
            vfs.mknod(c, dir, "z-new-" + round, Attr.S_IFREG | 0644, 0);
            if (round < 5) vfs.unlink(c, dir, String.format("f%04d", round));
            round++;
        }
        for (int i = 0; i < 60; i++) assertTrue(seen.contains(String.format("f%04d", i)), "missed f" + i);
    }

    @Test
    void seekingBackToAnIssuedOffsetRepeatsFromThere() {
        fill(30);
        long fh = vfs.opendir(c, dir);
        List<Vfs.DirItem> first = vfs.readdir(fh, 0, 12, false);
        vfs.readdir(fh, first.getLast().nextOffset(), 12, false);
        List<Vfs.DirItem> again = vfs.readdir(fh, first.get(5).nextOffset(), 3, false);
        assertEquals(first.get(6).name(), again.get(0).name());
        // A fresh handle that never issued an offset finds it again by counting.
        long other = vfs.opendir(c, dir);
        List<Vfs.DirItem> counted = vfs.readdir(other, first.get(9).nextOffset(), 2, false);
        assertEquals(first.get(10).name(), counted.get(0).name());
    }

    @Test
    void emptyDirectoryHasOnlyDots() {
        fill(0);
        long fh = vfs.opendir(c, dir);
        assertEquals(List.of(".", ".."), readAll(fh, 10, false).stream().map(Vfs.DirItem::name).toList());
    }
}
