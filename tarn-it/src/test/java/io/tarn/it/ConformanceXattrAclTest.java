package io.tarn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Extended attributes (user., trusted., flags, size probes, limits) and POSIX ACLs (getfacl/setfacl,
 * named users and groups, the mask, default ACLs inherited by new children, chmod keeping the mask in
 * step), compared with the local file system.
 */
class ConformanceXattrAclTest extends Conformance {

    @Test
    void userAndTrustedXattrsWithFlagsAndSizes() throws Exception {
        conform("xattr",
                c("ok", "write", "f", 0, "x"),
                c("ENODATA", "getxattr", "f", "user.a"),
                c("ok", "setxattr", "f", "user.a", "one", 1),
                c("EEXIST", "setxattr", "f", "user.a", "two", 1),
                c("ok", "setxattr", "f", "user.a", "two", 2),
                c("ENODATA", "setxattr", "f", "user.b", "x", 2),
                c("ok two", "getxattr", "f", "user.a"),
                c("ok 3", "getxattr_buf", "f", "user.a", 0),
                c("ERANGE", "getxattr_buf", "f", "user.a", 2),
                c("ok 3", "getxattr_buf", "f", "user.a", 3),
                c("ok", "setxattr", "f", "user.empty", ""),
                c("ok", "getxattr", "f", "user.empty"),
                c("ok user.a,user.empty", "listxattr", "f"),
                c("ERANGE", "listxattr_buf", "f", 3),
                c("ok", "setxattr", "f", "trusted.t", "root's"),
                c("ok trusted.t,user.a,user.empty", "listxattr", "f"),
                c("ok", "chmod", "f", 0644),
                as("ok user.a,user.empty", ALICE, c(null, "listxattr", "f")),
                as("EPERM", ALICE, c(null, "setxattr", "f", "trusted.t", "mine")),
                as("EACCES", ALICE, c(null, "setxattr", "f", "user.a", "mine")),
                as("ok two", ALICE, c(null, "getxattr", "f", "user.a")),
                c("ok", "removexattr", "f", "user.a"),
                c("ENODATA", "removexattr", "f", "user.a"),
                c("ENOTSUP", "setxattr", "f", "bogus.name", "x"),
                c("ENOTSUP", "setxattr", "f", "system.bogus", "x"),
                // Over the VFS limits: a value over 64 KiB, a name over 255 bytes.
                c("E2BIG", "setxattr_n", "f", "user.big", 65537),
                c("ERANGE", "setxattr", "f", "user." + "n".repeat(251), "x"),
                c("ok", "setxattr", "f", "user." + "n".repeat(250), "x"),
                c("ok", "mkdir", "d", 0755),
                c("ok", "setxattr", "d", "user.on-dir", "yes"),
                c("ok yes", "getxattr", "d", "user.on-dir"),
                c("ok", "mkfifo", "p", 0644),
                c("EPERM", "setxattr", "p", "user.x", "fifo"));
    }

    /** getfacl/setfacl through a shell in both trees; outputs must be the same. */
    private void sameShell(String dir, String script) throws Exception {
        String local = shell(ref, dir, script), tarn = shell(mnt, dir, script);
        assertEquals(local, tarn, "getfacl/setfacl differ in " + dir);
    }

    private String shell(Path root, String dir, String script) throws Exception {
        Path d = Files.createDirectories(root.resolve(dir));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        Programs.Result r = Programs.run(T, d, List.of("bash", "-c", script + " 2>&1; echo exit=$?"));
        return r.out();
    }

    @Test
    void aclEntriesAreHonouredWithTheirMask() throws Exception {
        String setup = """
                printf data > f && chmod 600 f && chown %d f
                setfacl -m u:%d:r,g:%d:rw f
                getfacl -n f; ls -l f | cut -c1-11
                """.formatted(ALICE, BOB, STAFF);
        sameShell("acl", setup);
        conform("acl",
                as("ok data", BOB, c(null, "read", "f", 0, 100)),
                as("EACCES", BOB, c(null, "write", "f", 0, "x", List.of("O_WRONLY"))),
                as("ok 1", OTHERS, OTHERS, new int[] {STAFF}, c(null, "write", "f", 0, "D", List.of("O_WRONLY"))),
                as("EACCES", OTHERS, OTHERS, new int[] {}, c(null, "read", "f", 0, 100)),
                as("ok", ALICE, c(null, "access_errno", "f", 6)),
                as("EACCES", BOB, c(null, "access_errno", "f", 2)));
        // chmod sets the mask: the named group loses write, the named user keeps read.
        sameShell("acl", "chmod 640 f && getfacl -n f");
        conform("acl",
                as("EACCES", OTHERS, OTHERS, new int[] {STAFF}, c(null, "write", "f", 0, "x", List.of("O_WRONLY"))),
                as("ok Data", BOB, c(null, "read", "f", 0, 100)));
        sameShell("acl", "setfacl -m m::- f && getfacl -n f && stat -c %a f");
        conform("acl", as("EACCES", BOB, c(null, "read", "f", 0, 100)));
        // Only the setter may change an ACL.
        sameShell("acl", "setpriv --reuid=%d --regid=%d --clear-groups setfacl -m u:%d:rwx f; getfacl -n f".formatted(BOB, BOB, BOB));
        // Removing the ACL leaves the mode.
        sameShell("acl", "setfacl -b f && getfacl -n f && ls -l f | cut -c1-11");
    }

    @Test
    void defaultAclsAreInheritedAndTheUmaskYields() throws Exception {
        sameShell("default", """
                mkdir parent && setfacl -d -m u:%d:rwx,g:%d:rx,o::- parent
                umask 077
                touch parent/file && mkdir parent/sub && mkdir -p parent/sub/deeper
                getfacl -n parent parent/file parent/sub parent/sub/deeper
                stat -c '%%a %%n' parent/file parent/sub parent/sub/deeper
                setfacl -k parent && touch parent/after && getfacl -n parent/after && stat -c %%a parent/after
                """.formatted(ALICE, STAFF));
        conform("default",
                as("ok 1", ALICE, c(null, "write", "parent/file", 0, "a", List.of("O_WRONLY"))),
                as("EACCES", BOB, c(null, "read", "parent/file", 0, 1)));
    }

    @Test
    void badAclsAreRefused() throws Exception {
        sameShell("badacl", """
                touch f
                setfacl -m u:nosuchuser:r f
                setfattr -n system.posix_acl_access -v 0x01 f
                setfattr -n system.posix_acl_default -v 0x02000000010007000000000004000700000000002000050000000000 f
                getfacl -n f
                """);
        String out = shell(mnt, "badacl", "getfattr -n system.posix_acl_access f");
        assertTrue(out.contains("No such attribute"), out);
    }
}
