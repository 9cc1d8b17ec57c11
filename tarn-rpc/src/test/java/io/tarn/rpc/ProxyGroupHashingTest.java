package io.tarn.rpc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Rendezvous hashing of block keys over proxy group members (ADR 0140). */
class ProxyGroupHashingTest {
    private static final List<String> MEMBERS = List.of("10.0.0.1:7480", "10.0.0.2:7480", "10.0.0.3:7480", "10.0.0.4:7480");

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) keys.add(String.format("1b7e-uuid/blocks/%02x/%016x", i & 0xff, (long) i));
        return keys;
    }

    @Test
    void everyClientPicksTheSameMemberWhateverTheListOrder() {
        List<String> reversed = new ArrayList<>(MEMBERS);
        java.util.Collections.reverse(reversed);
        for (String k : keys(2000)) assertEquals(ProxyGroup.chooseMember(MEMBERS, k), ProxyGroup.chooseMember(reversed, k), k);
    }

    @Test
    void keysSpreadOverTheMembers() {
        Map<String, Integer> count = new HashMap<>();
        for (String k : keys(8000)) count.merge(ProxyGroup.chooseMember(MEMBERS, k), 1, Integer::sum);
        assertEquals(MEMBERS.size(), count.size());
        for (int c : count.values()) assertTrue(c > 1600 && c < 2400, "uneven spread: " + count);
    }

    @Test
    void removingAMemberMovesOnlyItsOwnKeys() {
        List<String> fewer = MEMBERS.subList(0, 3);
        int moved = 0;
        for (String k : keys(4000)) {
            String before = ProxyGroup.chooseMember(MEMBERS, k), after = ProxyGroup.chooseMember(fewer, k);
            if (!before.equals(MEMBERS.get(3))) assertEquals(before, after, k);
            else moved++;
        }
        assertTrue(moved > 0);
    }

    @Test
    void aBadMemberAddressFailsBeforeAnythingConnects() {
        io.tarn.api.FsException e = assertThrows(io.tarn.api.FsException.class,
                () -> ProxyGroup.connect(List.of("no-port"), RpcOptions.defaults()));
        assertEquals(io.tarn.api.Errno.EINVAL, e.errno());
        assertEquals(io.tarn.api.Errno.EINVAL,
                assertThrows(io.tarn.api.FsException.class, () -> ProxyGroup.connect(List.of(" "), RpcOptions.defaults())).errno());
    }
}
