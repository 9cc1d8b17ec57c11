package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad input through the mount: names over 255 bytes, NUL in paths, moves into a directory's own
 * subtree, removing non-empty directories, links to directories, xattrs over the limits, and calls
 * on the wrong kind of file; each must fail with the errno ext4 gives, and nothing else changes.
 */
class ConformanceBadInputTest extends Conformance {
    private static final String LONG = "n".repeat(256), MAX = "m".repeat(255);

    @Test
    void namesOverTheLimit() throws Exception {
        conform("names",
                c("ok", "write", "f", 0, "x"),
                c("ENAMETOOLONG", "create", LONG, 0644),
                c("ENAMETOOLONG", "mkdir", LONG, 0755),
                c("ENAMETOOLONG", "mkfifo", LONG, 0644),
                c("ENAMETOOLONG", "symlink", "f", LONG),
                c("ENAMETOOLONG", "link", "f", LONG),
                c("ENAMETOOLONG", "rename", "f", LONG),
                c("ENAMETOOLONG", "read", LONG, 0, 1),
                c("ENAMETOOLONG", "unlink", LONG),
                c("ok", "create", MAX, 0644),
                c("ok", "rename", MAX, "short"),
                c("ok", "mkdir", MAX, 0755),
                c("ok", "rmdir", MAX),
                // Multi-byte names count bytes: 128 two-byte characters are 256 bytes.
                c("ENAMETOOLONG", "create", "\u00e9".repeat(128), 0644),
                c("ok", "create", "\u00e9".repeat(127), 0644),
                c("ok f,short," + "\u00e9".repeat(127), "listdir", "."));
    }

    @Test
    void nulInPathsNeverReachesTheFileSystem() throws Exception {
        conform("nul",
                c("ValueError", "create", "a\u0000b", 0644),
                c("ValueError", "mkdir", "a\u0000", 0755),
                c("ok", "listdir", "."));
        assertThrows(InvalidPathException.class, () -> mnt.resolve("a\u0000b"));
        assertEquals(List.of(), List.of(mnt.resolve("nul").toFile().list()));
    }

    @Test
    void structuralMistakes() throws Exception {
        conform("struct",
                c("ok", "mkdir", "d", 0755),
                c("ok", "mkdir", "d/sub", 0755),
                c("ok", "write", "d/sub/f", 0, "x"),
                c("EINVAL", "rename", "d", "d/sub/d"),
                c("EINVAL", "rename", "d", "d/inside"),
                c("ENOTEMPTY", "rmdir", "d"),
                c("ENOTEMPTY", "rmdir", "d/sub"),
                c("EPERM", "link", "d", "dlink"),
                c("EISDIR", "unlink", "d"),
                c("ENOTDIR", "rmdir", "d/sub/f"),
                c("EEXIST", "mkdir", "d", 0755),
                c("EEXIST", "open", "d/sub/f", List.of("O_CREAT", "O_EXCL", "O_WRONLY")),
                c("EISDIR", "open", "d", List.of("O_WRONLY")),
                c("ENOTDIR", "open", "d/sub/f", List.of("O_RDONLY", "O_DIRECTORY")),
                c("ENOTDIR", "create", "d/sub/f/child", 0644),
                c("ENOENT", "create", "nowhere/child", 0644),
                c("ENOENT", "open", "missing", List.of("O_RDONLY")),
                c("EINVAL", "rmdir", "d/."),
                c("ENOTEMPTY", "rmdir", "d/sub/.."),
                c("EEXIST", "mkdir", "d/..", 0755),
                c("EINVAL", "truncate", "d/sub/f", -1),
                c("EISDIR", "truncate", "d", 0),
                c("ok x", "read", "d/sub/f", 0, 10));
    }

    @Test
    void xattrsOverTheLimits() throws Exception {
        conform("xattrs",
                c("ok", "write", "f", 0, "x"),
                c("E2BIG", "setxattr_n", "f", "user.big", 65537),
                c("ERANGE", "setxattr", "f", "user." + "x".repeat(251), "v"),
                c("ERANGE", "getxattr", "f", "user." + "x".repeat(251)),
                c("ERANGE", "removexattr", "f", "user." + "x".repeat(251)),
                c("ERANGE", "setxattr", "f", "", "v"),
                c("ENOTSUP", "setxattr", "f", "user", "v"),
                c("ok", "listxattr", "f"));
        // Between ext4's in-inode room (about 4 KiB) and 64 KiB, Tarn stores what ext4 refuses with ENOSPC.
        onMount("xattrs", c("ok", "setxattr_n", "f", "user.mid", 65536), c("ok user.mid", "listxattr", "f"));
    }
}
