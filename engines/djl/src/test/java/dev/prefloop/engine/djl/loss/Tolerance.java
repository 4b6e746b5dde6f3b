package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tolerance: |actual - expected| <= rel |expected| + abs, elementwise, failing with the largest difference. */
record Tolerance(double rel, double abs) {

    static final Tolerance FLOAT64 = new Tolerance(1e-9, 1e-12);
    static final Tolerance FLOAT32 = new Tolerance(1e-5, 1e-6);

    void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxDiff = 0;
        int worst = -1;
        boolean ok = true;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            boolean within = diff <= rel * Math.abs(expected[i]) + abs;
            if (!within || Double.isNaN(actual[i])) {
                ok = false;
            }
            if (diff > maxDiff || Double.isNaN(diff)) {
                maxDiff = diff;
                worst = i;
            }
        }
        String msg = what + ": max |diff| = " + maxDiff + (worst >= 0
                ? " at [" + worst + "] (expected " + expected[worst] + ", got " + actual[worst] + ")"
                : "") + ", tolerance rel " + rel + " abs " + abs;
        assertTrue(ok, msg);
    }

    void assertClose(String what, double expected, double actual) {
        assertClose(what, new double[] {expected}, new double[] {actual});
    }
}
