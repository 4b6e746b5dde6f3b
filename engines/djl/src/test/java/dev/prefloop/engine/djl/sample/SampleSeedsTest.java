package dev.prefloop.engine.djl.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SampleSeedsTest {

    @Test
    void theCoinIsFairWithinBinomialBounds() {
        int n = 20_000;
        int heads = 0;
        for (int i = 0; i < n; i++) {
            if (SampleSeeds.interpolated(7, 0, "prompt-" + i)) {
                heads++;
            }
        }
        // 4.5 standard deviations of Binomial(n, 1/2): a fair coin fails this about once in 150 000 runs
        double sd = Math.sqrt(n * 0.25);
        assertTrue(Math.abs(heads - n / 2.0) < 4.5 * sd, heads + " heads of " + n);
    }

    @Test
    void theCoinDependsOnlyOnSeedIterationAndPrompt() {
        assertEquals(SampleSeeds.interpolated(3, 5, "a"), SampleSeeds.interpolated(3, 5, "a"));
        int sameAcrossIterations = 0;
        int sameAcrossSeeds = 0;
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            String id = "p" + i;
            if (SampleSeeds.interpolated(3, 0, id) == SampleSeeds.interpolated(3, 1, id)) {
                sameAcrossIterations++;
            }
            if (SampleSeeds.interpolated(3, 0, id) == SampleSeeds.interpolated(4, 0, id)) {
                sameAcrossSeeds++;
            }
        }
        // independent coins agree half the time; a coin reused across iterations would agree always
        double sd = Math.sqrt(n * 0.25);
        assertTrue(Math.abs(sameAcrossIterations - n / 2.0) < 4.5 * sd, "iterations agree " + sameAcrossIterations);
        assertTrue(Math.abs(sameAcrossSeeds - n / 2.0) < 4.5 * sd, "seeds agree " + sameAcrossSeeds);
        assertNotEquals(SampleSeeds.iterationSeed(3, 0), SampleSeeds.iterationSeed(3, 1));
    }
}
