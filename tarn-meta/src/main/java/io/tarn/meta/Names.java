package io.tarn.meta;

import io.tarn.api.Errno;
import io.tarn.api.FsException;

import java.nio.charset.StandardCharsets;

/** Validation of directory entry names and symlink targets. */
final class Names {
    static final int NAME_MAX = 255, PATH_MAX = 4096;

    private Names() {}

    static void check(String name) {
        if (name == null || name.isEmpty()) throw FsException.of(Errno.EINVAL, "empty name");
        if (name.equals(".") || name.equals("..")) throw FsException.of(Errno.EINVAL, "name %s is reserved", name);
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0)
            throw FsException.of(Errno.EINVAL, "name contains '/' or NUL");
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX)
            throw FsException.of(Errno.ENAMETOOLONG, "name longer than %d bytes", NAME_MAX);
    }

    static void checkTarget(String target) {
        if (target == null || target.isEmpty()) throw FsException.of(Errno.ENOENT, "empty symlink target");
        if (target.indexOf('\0') >= 0) throw FsException.of(Errno.EINVAL, "symlink target contains NUL");
        if (target.getBytes(StandardCharsets.UTF_8).length >= PATH_MAX)
            throw FsException.of(Errno.ENAMETOOLONG, "symlink target longer than %d bytes", PATH_MAX - 1);
    }
}
