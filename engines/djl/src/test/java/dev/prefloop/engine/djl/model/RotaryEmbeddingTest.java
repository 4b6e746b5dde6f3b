package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inverse frequencies and attention factors of every rope_type against rope/expected.txt, made by
 * rope/rope_reference.py (transformers 4.55's modeling_rope_utils transcribed to float32 numpy).
 */
class RotaryEmbeddingTest {

    private static final Map<String, double[]> EXPECTED = new HashMap<>();
    private static final Map<String, Double> FACTOR = new HashMap<>();

    @BeforeAll
    static void readReference() throws Exception {
        try (InputStream in = RotaryEmbeddingTest.class.getResourceAsStream("/rope/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.trim().split("\\s+");
                int first = 1;
                // yarn lines carry the attention factor before the frequencies
                if (f[0].startsWith("yarn")) {
                    FACTOR.put(f[0], Double.parseDouble(f[1]));
                    first = 2;
                }
                double[] v = new double[f.length - first];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Double.parseDouble(f[first + i]);
                }
                EXPECTED.put(f[0], v);
            }
        }
    }

    private static RopeConfig rope(String type, double theta, Double factor, Integer orig, Double low, Double high,
            Double attentionFactor, Double betaFast, Double betaSlow, Double mscale, Double mscaleAllDim,
            boolean truncate) {
        return new RopeConfig(type, theta, factor, orig, low, high, attentionFactor, betaFast, betaSlow, mscale,
                mscaleAllDim, truncate);
    }

    private static void check(String name, float[] got) {
        double[] want = EXPECTED.get(name);
        assertEquals(want.length, got.length, name);
        double maxRel = 0;
        for (int i = 0; i < got.length; i++) {
            maxRel = Math.max(maxRel, Math.abs(got[i] - want[i]) / Math.abs(want[i]));
        }
        String msg = String.format(Locale.ROOT, "%s: max relative difference %.3g", name, maxRel);
        System.out.println(msg);
        assertTrue(maxRel <= 1e-6, msg);
    }

    @Test
    void linearDividesByFactor() {
        RotaryEmbedding r = new RotaryEmbedding(rope("linear", 1e4, 4.0, null, null, null, null, null, null, null,
                null, true), 16, 128);
        check("linear", r.inverseFrequencies(0));
        assertEquals(1.0, r.attentionScaling());
    }

    @Test
    void dynamicGrowsTheBaseOnlyPastMaxPositions() {
        RotaryEmbedding r = new RotaryEmbedding(rope("dynamic", 1e4, 2.0, null, null, null, null, null, null, null,
                null, true), 16, 128);
        check("dynamic-short", r.inverseFrequencies(99));
        check("dynamic-short", r.inverseFrequencies(127));
        check("dynamic-long", r.inverseFrequencies(299));
    }

    @Test
    void llama3BlendsBetweenTheWavelengthBands() {
        RotaryEmbedding r = new RotaryEmbedding(rope("llama3", 5e5, 8.0, 64, 1.0, 4.0, null, null, null, null, null,
                true), 64, 131072);
        check("llama3", r.inverseFrequencies(0));
    }

    @Test
    void yarnWithDefaults() {
        RotaryEmbedding r = new RotaryEmbedding(rope("yarn", 1e4, 4.0, null, null, null, null, null, null, null, null,
                true), 16, 128);
        check("yarn", r.inverseFrequencies(0));
        assertEquals(FACTOR.get("yarn"), r.attentionScaling(), 1e-12);
    }

    @Test
    void yarnWithOriginalMaxPositionsAndMscale() {
        RotaryEmbedding r = new RotaryEmbedding(rope("yarn", 1e6, 4.0, 1024, null, null, null, null, null, 0.707,
                0.707, true), 32, 4096);
        check("yarn-orig-mscale", r.inverseFrequencies(0));
        assertEquals(FACTOR.get("yarn-orig-mscale"), r.attentionScaling(), 1e-12);
    }

    @Test
    void yarnWithExplicitFactorsAndNoTruncation() {
        RotaryEmbedding r = new RotaryEmbedding(rope("yarn", 1e4, 4.0, null, null, null, 1.5, 16.0, 2.0, null, null,
                false), 16, 128);
        check("yarn-explicit", r.inverseFrequencies(0));
        assertEquals(1.5, r.attentionScaling(), 1e-12);
    }
}
