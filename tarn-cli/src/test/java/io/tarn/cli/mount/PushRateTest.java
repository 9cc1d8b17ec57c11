package io.tarn.cli.mount;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Read-around pushes are capped per period, so a random reader with no locality cannot make them cost a core. */
class PushRateTest {
    @Test
    void atMostMaxPerPeriodAndANewPeriodStartsAfresh() {
        AtomicLong w = new AtomicLong();
        for (long period : new long[]{7, 8, -3}) {
            for (int i = 0; i < 5; i++) assertTrue(PageCachePusher.withinRate(w, period, 5), "period " + period + ", push " + i);
            assertFalse(PageCachePusher.withinRate(w, period, 5), "the sixth in period " + period);
            assertFalse(PageCachePusher.withinRate(w, period, 5), "and any after it");
        }
    }
}
