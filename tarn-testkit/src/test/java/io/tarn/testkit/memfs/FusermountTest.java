package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.mount.MountTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The unprivileged path: fusermount3 mounts and passes the /dev/fuse fd back (_FUSE_COMMFD + SCM_RIGHTS). */
@Timeout(60)
class FusermountTest {
    @Test
    void mountsThroughFusermount3(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "fusermount3 not installed");
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        MountOptions opts = MountOptions.at(mnt).withFsname("memfs-fm").withSubtype("memfs").withFusermount(true);
        try (MountedMemfs m = MountedMemfs.mount(mnt, new MemoryFilesystem(), FuseConfig.defaults(), opts)) {
            var info = MountTable.find(mnt).orElseThrow();
            assertEquals("fuse.memfs", info.fstype());
            assertEquals("memfs-fm", info.source());
            Files.writeString(mnt.resolve("hello"), "via fusermount3");
            assertEquals("via fusermount3", Files.readString(mnt.resolve("hello")));
            assertTrue(m.session.connectionNumber() >= 0);
        }
        assertFalse(MountTable.find(mnt).isPresent());
    }
}
