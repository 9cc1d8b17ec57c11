package io.tarn.api;

import java.util.Arrays;

/**
 * Who asks: the calling process's credentials as the kernel reported them. Permission checks on the
 * metadata server use uid, gid and the supplementary groups (empty when the kernel did not send them).
 */
public record Caller(int uid, int gid, int[] groups, int pid) {
    public static final Caller ROOT = new Caller(0, 0, new int[0], 0);

    public Caller {
        groups = groups == null ? new int[0] : groups;
    }

    public boolean inGroup(int g) {
        if (g == gid) return true;
        for (int x : groups) if (x == g) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Caller c && c.uid == uid && c.gid == gid && c.pid == pid && Arrays.equals(c.groups, groups);
    }

    @Override
    public int hashCode() {
        return (uid * 31 + gid) * 31 + Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "Caller[uid=" + uid + ", gid=" + gid + ", groups=" + Arrays.toString(groups) + ", pid=" + pid + "]";
    }
}
