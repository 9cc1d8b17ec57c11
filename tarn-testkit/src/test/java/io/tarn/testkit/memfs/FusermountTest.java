package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.mount.MountTable;
import org.junit.jupiter.api.AfterEach;
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
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FusermountTest {
    private MountedMemfs mount;

    @AfterEach
    void unmount() {
        if (mount != null) mount.close();
    }

    @Test
    void mountsThroughFusermount3(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "fusermount3 not installed");
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        MountOptions opts = MountOptions.at(mnt).withFsname("memfs-fm").withSubtype("memfs").withFusermount(true);
        mount = MountedMemfs.mount(mnt, new MemoryFilesystem(), FuseConfig.defaults(), opts);
        MountedMemfs m = mount;
        {
            var info = MountTable.find(mnt).orElseThrow();
            assertEquals("fuse.memfs", info.fstype());
            assertEquals("memfs-fm", info.source());
            Files.writeString(mnt.resolve("hello"), "via fusermount3");
            assertEquals("via fusermount3", Files.readString(mnt.resolve("hello")));
            assertTrue(m.session.connectionNumber() >= 0);
        }
        mount = null;
        m.close();
        assertFalse(MountTable.find(mnt).isPresent());
    }
}
