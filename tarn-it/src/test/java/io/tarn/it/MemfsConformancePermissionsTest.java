package io.tarn.it;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseSession;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.Opened;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import io.tarn.testkit.memfs.MemoryFilesystem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The permission cases of {@link ConformancePermissionsTest}, compared with ext4 the same way, against
 * the test kit's in-memory filesystem mounted without default_permissions: memfs makes the checks
 * itself then (ADR 0015), as the FUSE benchmark's like-for-like mode with jfuse runs it.
 */
class MemfsConformancePermissionsTest extends ConformancePermissionsTest {
    @Override
    AutoCloseable mountUnderTest(Path mnt) throws Exception {
        Files.createDirectories(mnt);
        MemoryFilesystem fs = new MemoryFilesystem(Opened.KEEP_CACHE | Opened.NOFLUSH, true);
        MountOptions options = MountOptions.at(mnt).withFsname("memfs").withSubtype("memfs")
                .withAllowOther(true).withDefaultPermissions(false);
        FuseSession session = FuseSession.mount(options, fs, FuseConfig.builder().handleKillprivV2(true).build());
        AutoCloseable unmount = () -> {
            try {
                session.close();
            } finally {
                if (MountTable.find(mnt).filter(MountTable.MountInfo::isFuse).isPresent()) Mounter.forceUnmount(mnt);
            }
        };
        try {
            session.start();
            if (!session.awaitInit(Duration.ofSeconds(30))) throw new AssertionError("no INIT from the kernel within 30 s");
            fs.notifyThrough(session.notifier());
            return unmount;
        } catch (Throwable t) {
            unmount.close();
            throw t;
        }
    }
}
