package io.tarn.testkit.memfs;

import io.tarn.fuse.FuseConfig;
import io.tarn.fuse.FuseFilesystem;
import io.tarn.fuse.FuseSession;
import io.tarn.fuse.MountOptions;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A filesystem mounted in this JVM for one test class. {@link #close()} unmounts in every outcome:
 * a clean unmount first, the forced way (abort + lazy detach) if that fails, and it fails the test
 * if a mount is still left.
 */
final class MountedMemfs implements AutoCloseable {
    final Path mountpoint;
    final FuseSession session;

    private MountedMemfs(Path mountpoint, FuseSession session) {
        this.mountpoint = mountpoint;
        this.session = session;
    }

    static MountedMemfs mount(Path dir, FuseFilesystem fs, FuseConfig config, MountOptions options) throws Exception {
        FuseSession s = FuseSession.mount(options, fs, config);
        MountedMemfs m = new MountedMemfs(dir, s);
        try {
            s.start();
            if (!s.awaitInit(Duration.ofSeconds(15))) throw new AssertionError("no INIT from the kernel within 15 s");
            if (MountTable.find(dir).isEmpty()) throw new AssertionError("mount not in /proc/self/mountinfo");
            return m;
        } catch (Throwable t) {
            m.close();
            throw t;
        }
    }

    static MountedMemfs mount(Path dir, FuseFilesystem fs) throws Exception {
        return mount(dir, fs, FuseConfig.defaults(), MountOptions.at(dir).withFsname("memfs").withSubtype("memfs"));
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            if (MountTable.find(mountpoint).filter(MountTable.MountInfo::isFuse).isPresent()) {
                Mounter.forceUnmount(mountpoint);
            }
        }
        if (MountTable.find(mountpoint).filter(MountTable.MountInfo::isFuse).isPresent()) {
            throw new AssertionError("FUSE mount left at " + mountpoint);
        }
    }
}
