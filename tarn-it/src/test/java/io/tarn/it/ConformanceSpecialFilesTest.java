package io.tarn.it;

import org.junit.jupiter.api.Test;

/**
 * FIFOs, sockets, character and block devices, symlinks up to the kernel's limit, and hard links with
 * their link counts, against ext4.
 */
class ConformanceSpecialFilesTest extends Conformance {
    private static final int S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFREG = 0100000;

    @Test
    void fifosSocketsAndDevices() throws Exception {
        conform("special",
                c("ok", "mkfifo", "fifo", 0640),
                c("ok fifo 640 1", "stat", "fifo", "type,mode,nlink"),
                c("ok", "socket", "sock"),
                c("ok sock", "stat", "sock", "type"),
                c("ok", "mknod", "chr", S_IFCHR | 0600, 1, 3),
                c("ok chr 600 1,3", "stat", "chr", "type,mode,rdev"),
                c("ok", "mknod", "blk", S_IFBLK | 0600, 7, 9),
                c("ok blk 7,9", "stat", "blk", "type,rdev"),
                c("ok", "mknod", "reg", S_IFREG | 0644, 0, 0),
                c("ok file 0", "stat", "reg", "type,size"),
                c("EEXIST", "mkfifo", "fifo", 0640),
                as("EPERM", ALICE, c(null, "mknod", "chr2", S_IFCHR | 0600, 1, 3)),
                as("ok", ALICE, c(null, "mkfifo", "alices", 0600)),
                c("ok 1000", "stat", "alices", "uid"),
                c("ok", "link", "fifo", "fifo2"),
                c("ok 2", "stat", "fifo", "nlink"),
                c("ok", "unlink", "fifo"),
                c("ok fifo 1", "stat", "fifo2", "type,nlink"),
                c("ok", "rename", "chr", "chr-moved"),
                c("ok chr 1,3", "stat", "chr-moved", "type,rdev"));
    }

    @Test
    void symlinksAndHardLinks() throws Exception {
        String longest = "t/".repeat(2047) + "x"; // 4095 bytes: PATH_MAX less the NUL
        conform("links",
                c("ok", "write", "target", 0, "hello"),
                c("ok", "symlink", "target", "ln"),
                c("ok link 777", "stat", "ln", "type,mode"),
                c("ok target", "readlink", "ln"),
                c("ok hello", "read", "ln", 0, 10),
                c("ok", "symlink", longest, "long"),
                c("ok " + longest.length(), "stat", "long", "size"),
                c("ok " + longest, "readlink", "long"),
                c("ENAMETOOLONG", "symlink", longest + "y", "toolong"),
                c("ok", "symlink", "nowhere", "dangling"),
                c("ENOENT", "read", "dangling", 0, 1),
                c("EEXIST", "symlink", "x", "ln"),
                c("EINVAL", "readlink", "target"),
                c("ok", "link", "target", "hard"),
                c("ok 2", "stat", "target", "nlink"),
                c("ok", "link", "hard", "hard2"),
                c("ok 3", "stat", "hard2", "nlink"),
                c("ok", "unlink", "target"),
                c("ok 2", "fstatat", "hard", "nlink"),
                c("ok hello", "read", "hard2", 0, 10),
                c("ok", "link", "ln", "ln-hard"),
                c("ok link", "stat", "ln-hard", "type"),
                c("ok", "symlink", "loop2", "loop1"),
                c("ok", "symlink", "loop1", "loop2"),
                c("ELOOP", "read", "loop1", 0, 1),
                c("ok", "mkdir", "d", 0755),
                c("ok 2", "stat", "d", "nlink"),
                c("ok", "mkdir", "d/sub", 0755),
                c("ok 3", "stat", "d", "nlink"),
                c("EPERM", "link", "d", "d-hard"));
    }
}
