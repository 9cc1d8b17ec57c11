package io.tarn.meta;

import io.tarn.api.LockRanges;
import io.tarn.api.LockSpec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LockRanges against a byte-by-byte model: random locks, unlocks, upgrades and downgrades of one
 * owner over a small file (and to EOF), checking after each step that the ranges say exactly what the
 * model says and stay sorted, disjoint and merged.
 */
class LockRangesModelTest {
    private static final int SIZE = 64, NONE = -1;

    @Test
    void randomChangesMatchAByteModel() {
        Random rnd = new Random(20261126);
        for (int round = 0; round < 200; round++) {
            int[] model = new int[SIZE + 1]; // the last cell stands for "SIZE and beyond"
            Arrays.fill(model, NONE);
            List<LockSpec> held = List.of();
            for (int step = 0; step < 60; step++) {
                int start = rnd.nextInt(SIZE);
                boolean toEof = rnd.nextInt(8) == 0;
                int end = toEof ? SIZE : start + rnd.nextInt(SIZE - start);
                int type = rnd.nextInt(3);
                LockSpec change = new LockSpec(LockSpec.POSIX, 1, start, toEof ? LockSpec.EOF : end, type, step);
                held = LockRanges.apply(held, change);
                for (int b = start; b <= end; b++) model[b] = type == LockSpec.UNLCK ? NONE : type;
                check(model, held, round + "/" + step + " after " + change);
            }
        }
    }

    private static void check(int[] model, List<LockSpec> held, String where) {
        int[] seen = new int[SIZE + 1];
        Arrays.fill(seen, NONE);
        LockSpec prev = null;
        for (LockSpec l : held) {
            assertNotEquals(LockSpec.UNLCK, l.type(), where);
            if (prev != null) {
                assertTrue(prev.end() < l.start(), "sorted and disjoint: " + where + " " + held);
                assertFalse(prev.end() + 1 == l.start() && prev.type() == l.type(), "touching ranges of one type merge: " + where + " " + held);
            }
            long last = l.end() == LockSpec.EOF ? SIZE : l.end();
            assertTrue(last <= SIZE || l.end() == LockSpec.EOF, where);
            for (long b = l.start(); b <= Math.min(last, SIZE); b++) seen[(int) b] = l.type();
            prev = l;
        }
        // Beyond SIZE only a lock to EOF can reach; the model's last cell covers [SIZE, EOF].
        LockSpec lastLock = held.isEmpty() ? null : held.getLast();
        if (lastLock == null || lastLock.end() != LockSpec.EOF) seen[SIZE] = NONE;
        assertArrayEquals(model, seen, where + " " + held);
    }
}
