package io.tarn.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny files through a real FUSE mount (ADR 0141): they keep their data in the metadata, so the store
 * holds no object for them; they read back after a remount, fsck counts them as inline and reports the
 * volume clean, and {@code -o inline-max=0} turns inlining off for a mount.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InlineFilesMountTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Pattern FSCK = Pattern.compile(
            "fsck \\S+: (\\d+) live blocks, \\d+ held for time travel, (\\d+) objects; missing (\\d+) .*; (\\d+) inline blocks");

    @TempDir Path tmp;
    private final List<MountedVolume> mounts = new ArrayList<>();

    @AfterEach
    void unmountAll() throws Exception {
        for (MountedVolume m : mounts.reversed()) m.close();
    }

    private MountedVolume mount(Path mp, String... args) throws Exception {
        MountedVolume m = MountedVolume.mount("small", mp, args);
        mounts.add(m);
        return m;
    }

    private void unmount(MountedVolume m) throws Exception {
        m.close();
        mounts.remove(m);
    }

    private static long blockObjects(Path data) throws Exception {
        Path objects = data.resolve("objects");
        if (!Files.exists(objects)) return 0;
        try (Stream<Path> s = Files.walk(objects)) {
            return s.filter(p -> Files.isRegularFile(p) && p.toString().contains("/blocks/")).count();
        }
    }

    @Test
    void smallFilesLiveInTheMetadataAndReadBackAfterARemount() throws Exception {
        Path data = tmp.resolve("data");
        Programs.tarn(T, "volume", "create", "small", "--block-size", "256K", "--data", data.toString()).ok();
        MountedVolume first = mount(tmp.resolve("m1"), "--data", data.toString());
        Random rnd = new Random(7);
        TreeMap<String, byte[]> files = new TreeMap<>();
        Files.createDirectories(first.mountpoint.resolve("d"));
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[i == 0 ? 1 : i == 1 ? 4096 : 1 + rnd.nextInt(4096)];
            rnd.nextBytes(b);
            String name = "d/f" + i;
            Files.write(first.mountpoint.resolve(name), b);
            files.put(name, b);
        }
        Files.writeString(first.mountpoint.resolve("empty"), "");
        for (var e : files.entrySet()) assertArrayEquals(e.getValue(), Files.readAllBytes(first.mountpoint.resolve(e.getKey())), e.getKey());
        unmount(first);
        assertEquals(0, blockObjects(data), "files within the inline limit put no object");

        MountedVolume second = mount(tmp.resolve("m2"), "--data", data.toString(), "-o", "inline-max=0");
        for (var e : files.entrySet()) assertArrayEquals(e.getValue(), Files.readAllBytes(second.mountpoint.resolve(e.getKey())), e.getKey());
        assertEquals(0, Files.size(second.mountpoint.resolve("empty")));
        Files.writeString(second.mountpoint.resolve("not-inline"), "inline-max=0: an object even for this");
        unmount(second);
        assertEquals(1, blockObjects(data));

        Programs.Result fsck = Programs.tarn(T, "fsck", "small", "--data", data.toString());
        assertEquals(0, fsck.exit(), fsck.out() + fsck.err());
        Matcher m = FSCK.matcher(fsck.out());
        assertTrue(m.find(), fsck.out());
        assertEquals(1, Integer.parseInt(m.group(1)), "one block with an object: " + fsck.out());
        assertEquals(1, Integer.parseInt(m.group(2)), fsck.out());
        assertEquals(0, Integer.parseInt(m.group(3)), "inline blocks are not missing objects: " + fsck.out());
        assertEquals(files.size(), Integer.parseInt(m.group(4)), fsck.out());
    }
}
