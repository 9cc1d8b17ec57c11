package io.tarn.cli;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.fuse.mount.Mounter;
import io.tarn.fuse.mount.MountTable;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarn umount}: unmounts; the daemon flushes nothing more (close already made data durable) and exits. */
@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true, description = "Unmount a Tarn mount.")
final class UmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT") Path mountpoint;
    @Option(names = {"-l", "--lazy"}, description = "Detach now even if busy; finish when the last user leaves.") boolean lazy;
    @Option(names = {"-f", "--force"}, description = "Abort the connection of a dead or hung daemon, then detach.") boolean force;

    @Override
    public Integer call() {
        Path mp = mountpoint.toAbsolutePath().normalize();
        if (MountTable.find(mp).isEmpty()) throw FsException.of(Errno.EINVAL, "%s is not mounted", mp);
        boolean ok = force ? Mounter.forceUnmount(mp) : Mounter.unmount(mp, lazy);
        if (!ok) throw FsException.of(Errno.EBUSY, "cannot unmount %s: busy (close the files using it, or use --lazy)", mp);
        return 0;
    }
}
