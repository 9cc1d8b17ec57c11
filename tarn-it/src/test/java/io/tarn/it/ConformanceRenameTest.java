package io.tarn.it;

import org.junit.jupiter.api.Test;

/**
 * rename(2) and renameat2(2) against ext4: replacing, RENAME_NOREPLACE and RENAME_EXCHANGE, directories
 * across parents with link counts, loop detection, and every refusal with its errno. EXDEV never
 * happens inside a volume.
 */
class ConformanceRenameTest extends Conformance {
    private static final int NOREPLACE = 1, EXCHANGE = 2;

    @Test
    void replacingAndTheFlags() throws Exception {
        conform("flags",
                c("ok", "write", "a", 0, "A"),
                c("ok", "write", "b", 0, "B"),
                c("EEXIST", "rename2", "a", "b", NOREPLACE),
                c("ok", "rename2", "a", "b", EXCHANGE),
                c("ok B", "read", "a", 0, 5),
                c("ok A", "read", "b", 0, 5),
                c("ENOENT", "rename2", "a", "missing", EXCHANGE),
                c("EINVAL", "rename2", "a", "b", NOREPLACE | EXCHANGE),
                c("ok", "rename2", "a", "c", NOREPLACE),
                c("ok", "rename", "c", "b"),
                c("ok B", "read", "b", 0, 5),
                c("ok b", "listdir", "."),
                c("ok", "rename", "b", "b"),
                c("ok", "link", "b", "b2"),
                c("ok", "rename", "b", "b2"),
                c("ok b,b2", "listdir", "."),
                c("ok 2", "stat", "b", "nlink"));
    }

    @Test
    void directoriesAcrossParentsAndLoops() throws Exception {
        conform("dirs",
                c("ok", "mkdir", "p1", 0755),
                c("ok", "mkdir", "p2", 0755),
                c("ok", "mkdir", "p1/d", 0755),
                c("ok", "mkdir", "p1/d/sub", 0755),
                c("ok", "write", "p1/d/sub/f", 0, "x"),
                c("ok 3", "stat", "p1", "nlink"),
                c("ok", "rename", "p1/d", "p2/d"),
                c("ok 2", "stat", "p1", "nlink"),
                c(null, "stat", "p2", "nlink"),
                c("ok x", "read", "p2/d/sub/f", 0, 5),
                c("EINVAL", "rename", "p2/d", "p2/d/sub/inside"),
                c("EINVAL", "rename", "p2", "p2/d/sub/deeper"),
                c("ok", "mkdir", "p1/empty", 0755),
                c("ok", "rename", "p2/d/sub", "p1/empty"),
                c("ok empty", "listdir", "p1"),
                c("ok x", "read", "p1/empty/f", 0, 5),
                c("ok", "mkdir", "p1/full", 0755),
                c("ok", "write", "p1/full/f", 0, "y"),
                c("ENOTEMPTY", "rename", "p1/empty", "p1/full"),
                c("ok", "write", "file", 0, "z"),
                c("ENOTDIR", "rename", "p1/empty", "file"),
                c("EISDIR", "rename", "file", "p1/full"),
                c("ENOENT", "rename", "nothing", "p1/x"),
                c("ENOENT", "rename", "file", "nowhere/x"),
                c("ENOTDIR", "rename", "file/x", "p1/x"),
                c("ok", "rename2", "p1/full", "file", EXCHANGE),
                c("ok dir", "stat", "file", "type"),
                c("ok file", "stat", "p1/full", "type"),
                c("EBUSY", "rename", ".", "p1/dot"));
    }

    @Test
    void renamePermissions() throws Exception {
        conform("perms",
                c("ok", "mkdir", "mine", 0755),
                c("ok", "write", "mine/f", 0, "x"),
                as("EACCES", ALICE, c(null, "rename", "mine/f", "g")),
                c("ok", "chown", "mine", ALICE, ALICE),
                as("ok", ALICE, c(null, "rename", "mine/f", "mine/g")),
                c("ok", "mkdir", "theirs", 0755),
                as("EACCES", ALICE, c(null, "rename", "mine/g", "theirs/g")),
                // Moving a directory to a new parent rewrites its "..": write permission on it is needed.
                c("ok", "mkdir", "mine/rootsdir", 0755),
                c("ok", "mkdir", "mine/to", 0777),
                as("EACCES", ALICE, c(null, "rename", "mine/rootsdir", "mine/to/rootsdir")),
                as("ok", ALICE, c(null, "rename", "mine/rootsdir", "mine/renamed")));
    }
}
