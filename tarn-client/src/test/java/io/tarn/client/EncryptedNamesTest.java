package io.tarn.client;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Ctx;
import io.tarn.api.DirEntry;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SessionInfo;
import io.tarn.api.VolumeEncryption;
import io.tarn.api.VolumeSpec;
import io.tarn.client.crypt.KeySource;
import io.tarn.client.crypt.NameCipher;
import io.tarn.client.crypt.VolumeKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.tarn.client.VfsFixture.BLOCK;
import static io.tarn.client.VfsFixture.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A volume with encrypted names (ADR 0093): through the client everything reads as written; what the
 * metadata server stores (seen through a raw session) holds no plain name, target or xattr value.
 */
@Timeout(60)
class EncryptedNamesTest {
    private final VfsFixture fx = new VfsFixture("lz4");
    private final Caller c = Caller.ROOT;
    @TempDir Path dir;

    @AfterEach
    void close() {
        fx.close();
    }

    private TarnVfs client() throws Exception {
        byte[] key = pattern(32, 3);
        fx.meta.createVolume(new VolumeSpec("n", "mem://unused", BLOCK, "lz4", 0,
                VolumeEncryption.aesGcm(true, VolumeKeys.firstGeneration(key, null))));
        Path k = dir.resolve("k");
        Files.write(k, key);
        TarnVfs v = new TarnVfs(fx.meta, fx.store, "n", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST), new KeySource.KeyFile(k));
        fx.clients.add(v);
        return v;
    }

    @Test
    void pushedNamesArriveInThePlain() throws Exception {
        TarnVfs a = client();
        Path k = dir.resolve("k");
        TarnVfs b = new TarnVfs(fx.meta, fx.store, "n", ClientConfig.DEFAULTS.withRetry(VfsFixture.FAST), new KeySource.KeyFile(k));
        fx.clients.add(b);
        java.util.concurrent.LinkedBlockingQueue<io.tarn.api.Change> told = new java.util.concurrent.LinkedBlockingQueue<>();
        b.listen(new Vfs.ChangeListener() {
            @Override
            public void changed(List<io.tarn.api.Change> changes) {
                told.addAll(changes);
            }

            @Override
            public void dropAll() {}
        });
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!b.changesPushed()) {
            assertTrue(System.nanoTime() < deadline, "the change feed never answered");
            Thread.onSpinWait();
        }
        a.mkdir(c, a.rootIno(), "Smith, John", 0755);
        io.tarn.api.Change want = io.tarn.api.Change.entry(a.rootIno(), "Smith, John");
        while (true) {
            io.tarn.api.Change got = told.poll(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
            assertNotNull(got, "never told " + want + " in the plain");
            if (got.equals(want)) break;
        }
    }

    @Test
    void namesTargetsAndXattrValuesAreEncryptedBeforeTheServerSeesThem() throws Exception {
        TarnVfs vfs = client();
        Volume vol = new Volume(vfs, c);
        vol.mkdirs("/Patients/Smith, John", 0755);
        vol.write("/Patients/Smith, John/diagnosis.txt", "confidential".getBytes(StandardCharsets.UTF_8));
        Attr link = vol.symlink("/Patients/latest", "Smith, John/diagnosis.txt");
        assertEquals("Smith, John/diagnosis.txt".length(), link.size(), "a symlink's size is its plain target's length");
        assertEquals(link.size(), vol.stat("/Patients/latest").size());
        long file = vol.resolve("/Patients/Smith, John/diagnosis.txt");
        vfs.setxattr(c, file, "user.comment", "HIV positive".getBytes(StandardCharsets.UTF_8), 0);
        assertEquals("HIV positive", new String(vfs.getxattr(c, file, "user.comment"), StandardCharsets.UTF_8));
        assertEquals("Smith, John/diagnosis.txt", vfs.readlink(c, vol.resolve("/Patients/latest")));
        assertEquals(List.of("Smith, John", "latest").stream().sorted().toList(), vol.list("/Patients").stream().sorted().toList());
        vol.rename("/Patients/Smith, John/diagnosis.txt", "/Patients/moved.txt");
        assertEquals("confidential", new String(vol.read("/Patients/moved.txt"), StandardCharsets.UTF_8));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> vol.stat("/Patients/Smith, John/diagnosis.txt")).errno());
        assertEquals(Errno.ENAMETOOLONG, assertThrows(FsException.class,
                () -> vol.write("/" + "x".repeat(NameCipher.NAME_MAX + 1), new byte[1])).errno());
        vol.write("/" + "x".repeat(NameCipher.NAME_MAX), new byte[1]);

        // What the server holds: no plain name, no plain target, no plain xattr value.
        SessionInfo s = fx.meta.openSession("n", "inspector");
        Ctx ctx = new Ctx(s.session(), 1, c);
        StringBuilder stored = new StringBuilder();
        for (DirEntry e : fx.meta.readDir(ctx, 1, null, 100, false).entries()) stored.append(e.name()).append('\n');
        long patients = vol.resolve("/Patients");
        for (DirEntry e : fx.meta.readDir(ctx, patients, null, 100, false).entries()) stored.append(e.name()).append('\n');
        stored.append(fx.meta.readlink(ctx, vol.resolve("/Patients/latest"))).append('\n');
        stored.append(new String(fx.meta.getXattr(ctx, file, "user.comment"), StandardCharsets.ISO_8859_1));
        for (String plain : List.of("Patients", "Smith", "diagnosis", "latest", "moved", "HIV"))
            assertFalse(stored.toString().contains(plain), plain + " is stored in the clear:\n" + stored);
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fx.meta.lookup(ctx, 1, "Patients")).errno(),
                "server-side lookups (and finds) cannot match plain names");
        fx.meta.closeSession(s.session());
    }
}
