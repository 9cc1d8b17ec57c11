package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tarn.fuse.mount.MountTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's "done means" for client-side encryption, end to end through real FUSE mounts of
 * {@code tarn mount}: what reaches the store is ciphertext only; damaged, cut or moved objects read as
 * EIO with a log line naming them; a wrong key or passphrase is refused at mount, in one line, with
 * nothing touched and no mount left; key rotation keeps old data readable; encrypted names never reach
 * the metadata store in the clear.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EncryptedMountTest {
    private static final Duration T = Duration.ofSeconds(90);
    private static final int BLOCK = 256 << 10;
    private static final String MARKER = "PATIENT 4711, BRCA1 c.68_69delAG, confidential; ";

    @TempDir Path tmp;
    private MountedVolume mv;

    @AfterEach
    void unmount() throws Exception {
        if (mv != null) mv.close();
    }

    private Path data() {
        return tmp.resolve("data");
    }

    private Path objects() {
        return data().resolve("objects");
    }

    private Path keyFile(String name) throws Exception {
        Path k = tmp.resolve(name);
        Programs.tarn(T, "key", "create", k.toString()).ok();
        return k;
    }

    private Path passphraseFile(String name, String passphrase) throws IOException {
        return Files.writeString(tmp.resolve(name), passphrase + "\n");
    }

    private MountedVolume mount(String volume, Path mnt, String option) throws Exception {
        return MountedVolume.mount(volume, mnt, "--data", data().toString(), "-o", option);
    }

    private static byte[] textBlock() {
        byte[] line = MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) b[i] = line[i % line.length];
        return b;
    }

    private static Map<Path, byte[]> blockObjects(Path objects) throws IOException {
        Map<Path, byte[]> out = new TreeMap<>();
        if (!Files.exists(objects)) return out;
        try (Stream<Path> s = Files.walk(objects)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> p.toString().contains("/blocks/")).toList())
                out.put(p, Files.readAllBytes(p));
        }
        return out;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    /**
     * Known text and random data, each as four identical blocks, interleaved in one file: the store holds
     * no plaintext and no two equal ciphertexts; text blocks are compressed and random ones stored raw,
     * decided block by block; everything reads back through a new mount.
     */
    @Test
    void storeHoldsOnlyCiphertextWithoutRepeats() throws Exception {
        Path key = keyFile("vol.key"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "sec", "--data", data().toString(), "--block-size", "256K",
                "--encrypt", "--key-file", key.toString()).ok();
        Programs.Result info = Programs.tarn(T, "volume", "info", "sec", "--data", data().toString()).ok();
        assertTrue(info.out().contains("encryption:  aes-256-gcm, key generation 1 (key file)"), info.out());
        assertTrue(info.out().contains("compression: lz4"), info.out());

        byte[] text = textBlock(), noise = new byte[BLOCK];
        new Random(8).nextBytes(noise);
        byte[] file = new byte[8 * BLOCK];
        for (int k = 0; k < 8; k++) System.arraycopy(k % 2 == 0 ? text : noise, 0, file, k * BLOCK, BLOCK);
        mv = mount("sec", mnt, "key-file=" + key);
        Files.write(mnt.resolve("mixed.bin"), file);
        Files.writeString(mnt.resolve("notes.txt"), MARKER.repeat(1000));
        mv.close();
        mv = null;

        Map<Path, byte[]> objs = blockObjects(objects());
        assertTrue(objs.size() >= 9, "objects: " + objs.keySet());
        byte[] marker = MARKER.substring(0, 20).getBytes(StandardCharsets.US_ASCII);
        Set<String> ciphertexts = new HashSet<>();
        int compressed = 0, raw = 0;
        for (Map.Entry<Path, byte[]> e : objs.entrySet()) {
            byte[] o = e.getValue();
            assertFalse(contains(o, marker), "plaintext text in " + e.getKey());
            for (int at = 0; at + 32 <= BLOCK; at += BLOCK / 8)
                assertFalse(contains(o, Arrays.copyOfRange(noise, at, at + 32)), "plaintext random bytes in " + e.getKey());
            assertEquals(2, o[6], "cipher id (AES-256-GCM in segments) of " + e.getKey());
            // Bytes 60.. are ciphertext (header 56 + CRC 4): equal plain blocks must not give equal objects.
            assertTrue(ciphertexts.add(Arrays.toString(Arrays.copyOfRange(o, 60, Math.min(o.length, 124)))),
                    "repeated ciphertext in " + e.getKey());
            if (o[5] == 0) raw++;
            else compressed++;
        }
        assertTrue(raw >= 4, "random blocks are stored raw (codec 0): " + raw);
        assertTrue(compressed >= 4, "text blocks are compressed: " + compressed);

        mv = mount("sec", mnt, "key-file=" + key);
        assertArrayEquals(file, Files.readAllBytes(mnt.resolve("mixed.bin")));
        assertEquals(MARKER.repeat(1000), Files.readString(mnt.resolve("notes.txt")));
    }

    private enum Damage { FLIP_BIT, TRUNCATE, COPIED_FROM_BLOCK_0, NONE }

    /** A flipped bit, an object cut short, an object copied under another block id: EIO naming the object, never wrong bytes. */
    @Test
    void damagedObjectsReadAsEioNamingTheObject() throws Exception {
        Path key = keyFile("vol.key"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "dmg", "--data", data().toString(), "--block-size", "256K",
                "--encrypt", "--key-file", key.toString()).ok();
        mv = mount("dmg", mnt, "key-file=" + key);
        Random rnd = new Random(3);
        int n = 1 + Damage.values().length;
        byte[] a = new byte[n * BLOCK];
        rnd.nextBytes(a);
        Path[] objectOf = new Path[n];
        try (FileChannel c = FileChannel.open(mnt.resolve("a"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int k = 0; k < n; k++) {
                Set<Path> before = blockObjects(objects()).keySet();
                c.write(ByteBuffer.wrap(a, k * BLOCK, BLOCK), (long) k * BLOCK);
                c.force(true); // one block per fsync: the one new object is this block's
                Set<Path> added = new HashSet<>(blockObjects(objects()).keySet());
                added.removeAll(before);
                assertEquals(1, added.size(), "objects added by block " + k + ": " + added);
                objectOf[k] = added.iterator().next();
            }
        }
        mv.close(); // nothing decoded stays cached
        mv = null;
        for (int k = 1; k < n; k++) {
            Damage d = Damage.values()[k - 1];
            byte[] o = Files.readAllBytes(objectOf[k]);
            switch (d) {
                case FLIP_BIT -> o[o.length / 2] ^= 0x04;
                case TRUNCATE -> o = Arrays.copyOf(o, o.length - 100);
                case COPIED_FROM_BLOCK_0 -> o = Files.readAllBytes(objectOf[0]);
                case NONE -> { }
            }
            Files.write(objectOf[k], o);
        }
        mv = mount("dmg", mnt, "key-file=" + key);
        for (int k = 0; k < n; k++) {
            Damage d = k == 0 ? Damage.NONE : Damage.values()[k - 1];
            Path out = tmp.resolve("block-" + k);
            Programs.Result dd = Programs.run(T, mnt, List.of("dd", "if=a", "of=" + out, "bs=256K", "skip=" + k, "count=1",
                    "iflag=fullblock", "status=none"));
            byte[] want = Arrays.copyOfRange(a, k * BLOCK, (k + 1) * BLOCK);
            if (d == Damage.NONE) {
                assertEquals(0, dd.exit(), "intact block " + k + ": " + dd.err());
                assertArrayEquals(want, Files.readAllBytes(out), "block " + k);
                continue;
            }
            assertNotEquals(0, dd.exit(), "block " + k + " (" + d + ") read without an error\n" + mv.logText());
            assertTrue(dd.err().contains("Input/output error"), d + ": " + dd.err());
            String name = objectOf[k].getFileName().toString();
            List<String> lines = mv.logText().lines().filter(l -> l.contains(name)).toList();
            assertFalse(lines.isEmpty(), d + ": the daemon log does not name object " + name + ":\n" + mv.logText());
            assertTrue(lines.stream().anyMatch(l -> l.contains("corrupt")), d + ": " + lines);
        }
    }

    /**
     * Wrong passphrase, wrong key file, a key file for a passphrase volume, no key at all: each mount is
     * refused with one line and a non-zero exit, leaves no mount behind and changes no object.
     */
    @Test
    void wrongKeyOrPassphraseIsRefusedAtMountAndTouchesNothing() throws Exception {
        Path pass = passphraseFile("pass", "correct horse battery staple"), key = keyFile("k"), otherKey = keyFile("other");
        Path mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "pp", "--data", data().toString(), "--encrypt", "--passphrase-file", pass.toString(),
                "--kdf-memory", "16M").ok();
        Programs.tarn(T, "volume", "create", "kf", "--data", data().toString(), "--encrypt", "--key-file", key.toString()).ok();
        mv = mount("pp", mnt, "passphrase-file=" + pass);
        Files.writeString(mnt.resolve("x"), MARKER);
        mv.close();
        mv = null;
        Map<Path, byte[]> before = blockObjects(objects());
        Files.createDirectories(mnt);

        record Case(String volume, String option, String message) {}
        List<Case> cases = List.of(
                new Case("pp", "passphrase-file=" + passphraseFile("wrong", "correct horse battery stapler"), "wrong passphrase for encrypted volume pp"),
                new Case("kf", "key-file=" + otherKey, "wrong key file for encrypted volume kf"),
                new Case("pp", "key-file=" + key, "comes from a passphrase"),
                new Case("kf", null, "volume kf is encrypted"));
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of("mount", c.volume(), mnt.toString(), "--data", data().toString()));
            if (c.option() != null) args.addAll(List.of("-o", c.option()));
            Programs.Result r;
            try {
                r = Programs.tarn(T, args.toArray(String[]::new));
            } finally {
                if (MountTable.find(mnt).isPresent()) Programs.tarn(T, "umount", mnt.toString());
            }
            assertNotEquals(0, r.exit(), c + ": " + r.out());
            assertEquals(1, r.err().strip().lines().count(), c + ": not one line:\n" + r.err());
            assertTrue(r.err().startsWith("tarn: EACCES: ") && r.err().contains(c.message()), c + ": " + r.err());
            assertFalse(MountTable.find(mnt).isPresent(), c + ": a mount was left behind");
        }
        Map<Path, byte[]> after = blockObjects(objects());
        assertEquals(before.keySet(), after.keySet(), "objects added or removed by refused mounts");
        for (Path p : before.keySet()) assertArrayEquals(before.get(p), after.get(p), "object changed: " + p);
        // Secrets are never logged nor stored with the metadata: no passphrase, no key file's bytes.
        byte[] everything = metadataBytes(); // the metadata store and the daemons' logs under the data folder
        for (String secret : List.of("correct horse battery staple", "correct horse battery stapler"))
            assertFalse(contains(everything, secret.getBytes(StandardCharsets.US_ASCII)), "a passphrase was logged or stored");
        for (Path k : List.of(key, otherKey))
            assertFalse(contains(everything, Files.readAllBytes(k)), "a key was logged or stored: " + k);
    }

    /** After {@code tarn key rotate} the new key reads old and new files, the old key is refused, and new blocks carry generation 2. */
    @Test
    void rotatedKeyReadsOldDataAndWritesNewGeneration() throws Exception {
        Path pass = passphraseFile("pass", "first passphrase"), key2 = keyFile("k2"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "rot", "--data", data().toString(), "--block-size", "256K",
                "--encrypt", "--passphrase-file", pass.toString(), "--kdf-memory", "16M").ok();
        byte[] old = new byte[2 * BLOCK], neu = new byte[2 * BLOCK];
        new Random(1).nextBytes(old);
        new Random(2).nextBytes(neu);
        mv = mount("rot", mnt, "passphrase-file=" + pass);
        Files.write(mnt.resolve("old"), old);
        mv.close();
        mv = null;
        Set<Path> oldObjects = blockObjects(objects()).keySet();

        Programs.Result rot = Programs.tarn(T, "key", "rotate", "rot", "--data", data().toString(),
                "--passphrase-file", pass.toString(), "--new-key-file", key2.toString()).ok();
        assertTrue(rot.out().contains("key generation 2 added"), rot.out());
        Programs.Result info = Programs.tarn(T, "volume", "info", "rot", "--data", data().toString()).ok();
        assertTrue(info.out().contains("key generation 2 (key file)"), info.out());
        Programs.Result refused = Programs.tarn(T, "mount", "rot", mnt.toString(), "--data", data().toString(), "-o", "passphrase-file=" + pass);
        if (MountTable.find(mnt).isPresent()) Programs.tarn(T, "umount", mnt.toString());
        assertNotEquals(0, refused.exit());
        assertTrue(refused.err().contains("comes from a key file"), refused.err());

        mv = mount("rot", mnt, "key-file=" + key2);
        Files.write(mnt.resolve("new"), neu);
        assertArrayEquals(old, Files.readAllBytes(mnt.resolve("old")));
        mv.close();
        mv = null;
        Map<Path, byte[]> all = blockObjects(objects());
        Map<Integer, Integer> generations = new HashMap<>();
        for (Map.Entry<Path, byte[]> e : all.entrySet()) {
            int g = (e.getValue()[38] & 0xff) << 8 | (e.getValue()[39] & 0xff);
            assertEquals(oldObjects.contains(e.getKey()) ? 1 : 2, g, "key generation of " + e.getKey());
            generations.merge(g, 1, Integer::sum);
        }
        assertEquals(2, generations.size(), "objects of both generations: " + generations);
        mv = mount("rot", mnt, "key-file=" + key2);
        assertArrayEquals(old, Files.readAllBytes(mnt.resolve("old")));
        assertArrayEquals(neu, Files.readAllBytes(mnt.resolve("new")));

        // The documented re-encryption (ADR 0092): rewrite every file in place through a mount with the
        // newest key, then let garbage collection drop the old objects (retention 0 here: at once).
        Programs.bash(T, mnt, "find . -type f -print0 | xargs -0 -I{} dd if={} of={} bs=4M conv=notrunc,fsync status=none").ok();
        assertArrayEquals(old, Files.readAllBytes(mnt.resolve("old")));
        mv.close();
        mv = null;
        Programs.tarn(T, "volume", "set", "rot", "--retention", "0", "--data", data().toString()).ok();
        Programs.tarn(T, "gc", "rot", "--data", data().toString()).ok();
        Map<Path, byte[]> left = blockObjects(objects());
        assertFalse(left.isEmpty());
        for (Map.Entry<Path, byte[]> e : left.entrySet())
            assertEquals(2, (e.getValue()[38] & 0xff) << 8 | (e.getValue()[39] & 0xff), "after re-encryption and gc: " + e.getKey());
        mv = mount("rot", mnt, "key-file=" + key2);
        assertArrayEquals(old, Files.readAllBytes(mnt.resolve("old")));
        assertArrayEquals(neu, Files.readAllBytes(mnt.resolve("new")));
    }

    /** {@code tarn upgrade} of an encrypted mount: the successor gets the key (from the recorded mount options) and serves on. */
    @Test
    void upgradeOfAnEncryptedMountKeepsItsKey() throws Exception {
        Path key = keyFile("k"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "upenc", "--data", data().toString(), "--encrypt", "--key-file", key.toString()).ok();
        byte[] content = new byte[6 << 20];
        new Random(9).nextBytes(content);
        try (MountedVolume m = mount("upenc", mnt, "key-file=" + key)) {
            try {
                Files.write(mnt.resolve("f"), content);
                long first = UpgradeTest.awaitRecord(mnt, -1);
                Programs.tarn(T, "upgrade", mnt.toString()).ok();
                UpgradeTest.awaitRecord(mnt, first);
                assertArrayEquals(content, Files.readAllBytes(mnt.resolve("f")));
                Files.writeString(mnt.resolve("g"), MARKER.repeat(100));
                Programs.bash(T, mnt, "sync g").ok();
            } finally {
                UpgradeTest.stopSuccessor(mnt);
            }
        }
        Map<Path, byte[]> objs = blockObjects(objects());
        assertTrue(objs.size() >= 3, "objects: " + objs.keySet());
        for (Map.Entry<Path, byte[]> e : objs.entrySet()) {
            assertEquals(2, e.getValue()[6], "encrypted: " + e.getKey());
            assertFalse(contains(e.getValue(), MARKER.substring(0, 20).getBytes(StandardCharsets.US_ASCII)), "plaintext in " + e.getKey());
        }
        mv = mount("upenc", mnt, "key-file=" + key);
        assertArrayEquals(content, Files.readAllBytes(mnt.resolve("f")));
        assertEquals(MARKER.repeat(100), Files.readString(mnt.resolve("g")));
    }

    /**
     * With --encrypt-names, names, symlink targets and xattr values reach the metadata store (RocksDB's
     * files, WAL included) only encrypted; the same scan finds those of a plain volume, so it can fail.
     */
    @Test
    void encryptedNamesNeverReachTheMetadataStore() throws Exception {
        Path key = keyFile("k"), mnt = tmp.resolve("mnt");
        Programs.tarn(T, "volume", "create", "names", "--data", data().toString(), "--encrypt", "--key-file", key.toString(),
                "--encrypt-names").ok();
        Programs.tarn(T, "volume", "create", "plainnames", "--data", data().toString()).ok();
        Map<String, List<String>> secrets = Map.of("names", List.of("AlphaSecretDir", "BravoSecretReport.pdf", "CharlieSecretNote"),
                "plainnames", List.of("DeltaPlainDir", "EchoPlainReport.pdf", "FoxtrotPlainNote"));
        for (String v : List.of("names", "plainnames")) {
            List<String> s3 = secrets.get(v);
            mv = v.equals("names") ? mount(v, mnt, "key-file=" + key) : MountedVolume.mount(v, mnt, "--data", data().toString());
            String file = s3.get(0) + "/" + s3.get(1);
            Programs.bash(T, mnt, "mkdir " + s3.get(0) + " && echo hi > " + file + " && ln -s " + file + " link"
                    + " && setfattr -n user.note -v " + s3.get(2) + " " + file).ok();
            Programs.Result seen = Programs.bash(T, mnt, "ls " + s3.get(0) + "; readlink link; getfattr --only-values -n user.note " + file).ok();
            assertEquals(s3.get(1) + "\n" + file + "\n" + s3.get(2), seen.out().strip());
            assertEquals(file.length(), Files.readAttributes(mnt.resolve("link"), java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).size(), "lstat size of the link is its plain target's length");
            assertEquals("./" + file, Programs.bash(T, mnt, "find . -name '*Report*'").ok().out().strip(),
                    "find through the mount matches plain names");
            mv.close();
            mv = null;
        }
        byte[] meta = metadataBytes();
        for (String plain : secrets.get("plainnames"))
            assertTrue(contains(meta, plain.getBytes(StandardCharsets.US_ASCII)), "the scan sees the plain volume's " + plain);
        for (String secret : secrets.get("names"))
            assertFalse(contains(meta, secret.getBytes(StandardCharsets.US_ASCII)), secret + " is in the metadata store in the clear");
    }

    private byte[] metadataBytes() throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (Stream<Path> s = Files.walk(data())) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.startsWith(objects())).toList()) all.write(Files.readAllBytes(p));
        }
        return all.toByteArray();
    }
}
