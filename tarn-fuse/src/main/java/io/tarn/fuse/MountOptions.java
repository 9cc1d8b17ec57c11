package io.tarn.fuse;

import java.nio.file.Path;
import java.util.List;

/**
 * Where and how to mount. {@code defaultPermissions} lets the kernel check mode bits (else the
 * filesystem checks, e.g. in ACCESS and each operation); {@code allowOther} lets other users in;
 * {@code fsname} shows as the source in /proc/mounts and {@code subtype} as fuse.SUBTYPE.
 * {@code viaFusermount} forces the fusermount3 path even as root (it is always used when not root).
 */
public record MountOptions(Path mountpoint, String fsname, String subtype, boolean allowOther,
                           boolean defaultPermissions, boolean readOnly, boolean viaFusermount, List<String> extra) {
    public MountOptions {
        mountpoint = mountpoint.toAbsolutePath().normalize();
        extra = List.copyOf(extra);
    }

    public static MountOptions at(Path mountpoint) {
        return new MountOptions(mountpoint, "tarn", "tarn", false, true, false, false, List.of());
    }

    public MountOptions withFsname(String v) { return new MountOptions(mountpoint, v, subtype, allowOther, defaultPermissions, readOnly, viaFusermount, extra); }
    public MountOptions withSubtype(String v) { return new MountOptions(mountpoint, fsname, v, allowOther, defaultPermissions, readOnly, viaFusermount, extra); }
    public MountOptions withAllowOther(boolean v) { return new MountOptions(mountpoint, fsname, subtype, v, defaultPermissions, readOnly, viaFusermount, extra); }
    public MountOptions withDefaultPermissions(boolean v) { return new MountOptions(mountpoint, fsname, subtype, allowOther, v, readOnly, viaFusermount, extra); }
    public MountOptions withReadOnly(boolean v) { return new MountOptions(mountpoint, fsname, subtype, allowOther, defaultPermissions, v, viaFusermount, extra); }
    public MountOptions withFusermount(boolean v) { return new MountOptions(mountpoint, fsname, subtype, allowOther, defaultPermissions, readOnly, v, extra); }
    public MountOptions withExtra(List<String> v) { return new MountOptions(mountpoint, fsname, subtype, allowOther, defaultPermissions, readOnly, viaFusermount, v); }
}
