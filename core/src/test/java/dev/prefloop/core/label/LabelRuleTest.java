package dev.prefloop.core.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LabelRuleTest {

    @Test
    void argmaxTiesOnlyAtOneHalfWithoutAMargin() {
        LabelRule r = new LabelRule(LabelMode.ARGMAX, 0);
        SplittableRandom rng = new SplittableRandom(1);
        assertEquals(LabelRule.Outcome.TIE, r.decide(0.5, rng));
        assertEquals(LabelRule.Outcome.A, r.decide(0.5000001, rng));
        assertEquals(LabelRule.Outcome.B, r.decide(0.4999999, rng));
        LabelRule m = new LabelRule(LabelMode.ARGMAX, 0.1);
        assertEquals(LabelRule.Outcome.TIE, m.decide(0.6, rng));
        assertEquals(LabelRule.Outcome.TIE, m.decide(0.4, rng));
        assertEquals(LabelRule.Outcome.A, m.decide(0.61, rng));
    }

    @Test
    void btSampleDrawsAtOneHalfAndHonoursAMargin() {
        LabelRule r = new LabelRule(LabelMode.BT_SAMPLE, 0);
        SplittableRandom rng = new SplittableRandom(5);
        int a = 0;
        int n = 4000;
        for (int i = 0; i < n; i++) {
            a += r.decide(0.5, rng) == LabelRule.Outcome.A ? 1 : 0;
        }
        // Binomial(4000, 0.5): sd 31.6; 4 sd either side.
        assertTrue(Math.abs(a - n / 2) < 4 * Math.sqrt(n * 0.25), "a chosen " + a + " of " + n);
        assertEquals(LabelRule.Outcome.A, r.decide(1.0, rng));
        assertEquals(LabelRule.Outcome.B, r.decide(0.0, rng));
        assertEquals(LabelRule.Outcome.TIE, new LabelRule(LabelMode.BT_SAMPLE, 0.05).decide(0.52, rng));
    }

    @Test
    void recordStreamsDependOnSeedIdAndPurposeOnly() {
        assertEquals(RecordSeed.stream(3, "r1", "label").nextLong(), RecordSeed.stream(3, "r1", "label").nextLong());
        assertTrue(RecordSeed.stream(3, "r1", "label").nextLong() != RecordSeed.stream(4, "r1", "label").nextLong());
        assertTrue(RecordSeed.stream(3, "r1", "label").nextLong() != RecordSeed.stream(3, "r2", "label").nextLong());
        assertTrue(RecordSeed.stream(3, "r1", "label").nextLong() != RecordSeed.stream(3, "r1", "pairing").nextLong());
    }
}
