package io.tarn.testkit.memfs;

import io.tarn.api.Attr;
import io.tarn.api.Caller;
import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.api.SetAttr;
import org.junit.jupiter.api.Test;

import static io.tarn.testkit.memfs.MemPermissions.R_OK;
import static io.tarn.testkit.memfs.MemPermissions.W_OK;
import static io.tarn.testkit.memfs.MemPermissions.X_OK;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemPermissionsTest {
    private static final Caller ROOT = Caller.ROOT;
    private static final Caller ALICE = new Caller(1000, 1000, new int[0], 1);
    private static final Caller BOB = new Caller(1001, 1001, new int[0], 2);
    private static final Caller BOB_STAFF = new Caller(1001, 1001, new int[] {3000}, 2);

    private static MemNode file(int mode, int uid, int gid) {
        return new MemNode(5, Attr.S_IFREG | mode, uid, gid, 0);
    }

    private static MemNode dir(int mode, int uid, int gid) {
        return new MemNode(6, Attr.S_IFDIR | mode, uid, gid, 0);
    }

    private static Errno errno(Runnable r) {
        return assertThrows(FsException.class, r::run).errno();
    }

    @Test
    void ownerGroupAndOtherClassesWithSupplementaryGroups() {
        MemNode f = file(0640, 1000, 3000);
        assertTrue(MemPermissions.allowed(ALICE, f, R_OK | W_OK));
        assertFalse(MemPermissions.allowed(ALICE, f, X_OK));
        assertFalse(MemPermissions.allowed(BOB, f, R_OK));
        assertTrue(MemPermissions.allowed(BOB_STAFF, f, R_OK));
        assertFalse(MemPermissions.allowed(BOB_STAFF, f, W_OK));
        assertTrue(MemPermissions.allowed(BOB, f, 0), "F_OK asks nothing");
        // The owner's class decides alone, even when the group's grants more.
        MemNode g = file(0070, 1000, 3000);
        assertFalse(MemPermissions.allowed(new Caller(1000, 1000, new int[] {3000}, 1), g, R_OK));
        assertTrue(MemPermissions.allowed(BOB_STAFF, g, R_OK | W_OK | X_OK));
        assertEquals(Errno.EACCES, errno(() -> MemPermissions.check(BOB, f, R_OK)));
    }

    @Test
    void rootReadsAndWritesAnythingButExecutesOnlyWhatSomeoneMay() {
        MemNode f = file(0, 1000, 1000);
        assertTrue(MemPermissions.allowed(ROOT, f, R_OK | W_OK));
        assertFalse(MemPermissions.allowed(ROOT, f, X_OK));
        assertTrue(MemPermissions.allowed(ROOT, file(0001, 1000, 1000), X_OK));
        assertTrue(MemPermissions.allowed(ROOT, dir(0, 1000, 1000), X_OK), "root searches any directory");
    }

    @Test
    void directoriesNeedWriteAndSearchToChange() {
        MemNode d = dir(0755, 0, 0);
        assertDoesNotThrow(() -> MemPermissions.search(BOB, d));
        assertEquals(Errno.EACCES, errno(() -> MemPermissions.modifyDir(BOB, d)));
        MemNode writeOnly = dir(0722, 0, 0);
        assertEquals(Errno.EACCES, errno(() -> MemPermissions.modifyDir(BOB, writeOnly)), "write without search");
        assertDoesNotThrow(() -> MemPermissions.modifyDir(BOB, dir(0733, 0, 0)));
    }

    @Test
    void stickyDirectoriesLetOnlyOwnersRemove() {
        MemNode t = dir(01777, 0, 0);
        MemNode alices = file(0666, 1000, 1000);
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.sticky(BOB, t, alices)));
        assertDoesNotThrow(() -> MemPermissions.sticky(ALICE, t, alices));
        assertDoesNotThrow(() -> MemPermissions.sticky(ROOT, t, alices));
        assertDoesNotThrow(() -> MemPermissions.sticky(BOB, dir(01777, 1001, 0), alices), "the directory's owner may");
        assertDoesNotThrow(() -> MemPermissions.sticky(BOB, dir(0777, 0, 0), alices), "not sticky");
    }

    @Test
    void openNeedsTheAccessItsFlagsAskFor() {
        assertEquals(R_OK, MemPermissions.openMask(0));
        assertEquals(W_OK, MemPermissions.openMask(1));
        assertEquals(R_OK | W_OK, MemPermissions.openMask(2));
        assertEquals(R_OK | W_OK, MemPermissions.openMask(01000), "O_RDONLY|O_TRUNC still truncates");
    }

    @Test
    void chmodChownAndTimesFollowTheOwnershipRules() {
        MemNode f = file(0644, 1000, 1000);
        assertDoesNotThrow(() -> MemPermissions.setattr(ALICE, f, SetAttr.mode(0600), false));
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(BOB, f, SetAttr.mode(0777), false)));
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(ALICE, f, SetAttr.owner(1001, -1), false)));
        assertDoesNotThrow(() -> MemPermissions.setattr(ALICE, f, SetAttr.owner(1000, -1), false), "chown to oneself is no change");
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(ALICE, f, SetAttr.owner(-1, 3000), false)));
        assertDoesNotThrow(() -> MemPermissions.setattr(new Caller(1000, 1000, new int[] {3000}, 1), f, SetAttr.owner(-1, 3000), false));
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(BOB_STAFF, f, SetAttr.owner(-1, 3000), false)), "only the owner");
        assertDoesNotThrow(() -> MemPermissions.setattr(ROOT, f, SetAttr.owner(1001, 3000), false));
        // Explicit times: owner only (EPERM). Now: owner or writer (EACCES otherwise).
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(BOB, f, SetAttr.times(1, 2), false)));
        SetAttr now = new SetAttr(SetAttr.ATIME_NOW | SetAttr.MTIME_NOW, 0, 0, 0, 0, 0, 0, 0);
        assertEquals(Errno.EACCES, errno(() -> MemPermissions.setattr(BOB, f, now, false)));
        assertDoesNotThrow(() -> MemPermissions.setattr(BOB, file(0666, 1000, 1000), now, false));
        assertEquals(Errno.EPERM, errno(() -> MemPermissions.setattr(BOB, file(0666, 1000, 1000), SetAttr.times(1, 2), false)));
        // Truncate by path needs write permission; through a handle the open was checked.
        assertEquals(Errno.EACCES, errno(() -> MemPermissions.setattr(BOB, f, SetAttr.size(0), false)));
        assertDoesNotThrow(() -> MemPermissions.setattr(BOB, f, SetAttr.size(0), true));
    }

    @Test
    void setGroupIdIsDroppedForNonMembersAndPrivilegeBitsOnChown() {
        MemNode f = file(0644, 1001, 3000);
        assertEquals(0755, MemPermissions.chmodMode(BOB, f, 02755));
        assertEquals(02755, MemPermissions.chmodMode(BOB_STAFF, f, 02755));
        assertEquals(02755, MemPermissions.chmodMode(ROOT, f, 02755));
        assertEquals(Attr.S_IFREG | 0755, MemPermissions.killPriv(Attr.S_IFREG | 06755, true));
        assertEquals(Attr.S_IFREG | 02644, MemPermissions.killPriv(Attr.S_IFREG | 06644, true), "sgid without group exec marks locking");
        assertEquals(Attr.S_IFREG | 0644, MemPermissions.killPriv(Attr.S_IFREG | 06644, false));
        assertEquals(Attr.S_IFDIR | 02755, MemPermissions.killPriv(Attr.S_IFDIR | 02755, false), "directories keep theirs");
    }
}
