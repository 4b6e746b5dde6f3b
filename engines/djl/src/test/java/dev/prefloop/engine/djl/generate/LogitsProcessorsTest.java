package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each processor and the PILAF mixing rule on fixed logits against hand-computed values. */
class LogitsProcessorsTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private NDManager m;

    @BeforeEach
    void manager() {
        m = TorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray row(float... v) {
        return m.create(v, new Shape(1, v.length));
    }

    private static NDArray noSeen() {
        return null;
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOfSeenTokens() {
        NDArray seen = m.create(new boolean[] {true, true, false, false}, new Shape(1, 4));
        float[] out = new RepetitionPenalty(2).process(row(2, -1, 0.5f, -3), seen).toFloatArray();
        assertArrayEquals(new float[] {1, -2, 0.5f, -3}, out);
    }

    @Test
    void temperatureDivides() {
        assertArrayEquals(new float[] {4, -2}, new Temperature(0.5).process(row(2, -1), noSeen()).toFloatArray());
    }

    @Test
    void topKKeepsTheKHighestAndTiesWithTheKth() {
        assertArrayEquals(new float[] {NEG_INF, 3, 2, NEG_INF}, new TopK(2).process(row(1, 3, 2, 0), null).toFloatArray());
        assertArrayEquals(new float[] {NEG_INF, 2, 2, NEG_INF}, new TopK(1).process(row(1, 2, 2, 0), null).toFloatArray());
        assertArrayEquals(new float[] {1, 2}, new TopK(5).process(row(1, 2), null).toFloatArray());
    }

    @Test
    void topPKeepsTheSmallestTopSetReachingTheMass() {
        float[] logits = logs(0.5, 0.3, 0.15, 0.05);
        // ascending mass 0.05, 0.15, 0.3, 0.5 -> cumulative 0.05, 0.2, 0.5, 1: removed while <= 1 - top_p
        assertArrayEquals(new float[] {logits[0], logits[1], NEG_INF, NEG_INF},
                new TopP(0.75).process(row(logits), null).toFloatArray());
        assertArrayEquals(new float[] {logits[0], logits[1], logits[2], NEG_INF},
                new TopP(0.9).process(row(logits), null).toFloatArray());
        // A tiny top_p still keeps the top token.
        assertArrayEquals(new float[] {logits[0], NEG_INF, NEG_INF, NEG_INF},
                new TopP(0.01).process(row(logits), null).toFloatArray());
    }

    @Test
    void minPRemovesTokensBelowAFractionOfTheTopProbability() {
        float[] logits = logs(0.5, 0.3, 0.15, 0.05);
        assertArrayEquals(new float[] {logits[0], logits[1], NEG_INF, NEG_INF},
                new MinP(0.4).process(row(logits), null).toFloatArray());
    }

    @Test
    void pipelineRunsInTransformersOrderAndGreedySkipsTheWarpers() {
        SamplingSettings all = new SamplingSettings(0.7, 50, 0.9, 0.05, 1.2, 16, List.of(), 0);
        assertEquals(List.of("RepetitionPenalty", "Temperature", "TopK", "TopP", "MinP"), names(new LogitsPipeline(all)));
        SamplingSettings greedy = new SamplingSettings(0, 50, 0.9, 0.05, 1.2, 16, List.of(), 0);
        assertEquals(List.of("RepetitionPenalty"), names(new LogitsPipeline(greedy)));
        assertEquals(List.of(), new LogitsPipeline(SamplingSettings.sampling(1, 4, 0)).processors());
    }

    @Test
    void settingsNameTheBadOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SamplingSettings(1, 0, 1.5, 0, 1, 4, List.of(), 0));
        assertEquals("top_p must be in (0, 1] (1 = off), got 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingSettings.greedy(0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(-1, 0, 1, 0, 1, 4, List.of(), 0));
    }

    @Test
    void pilafMixingGivesTheHandComputedDistributions() {
        NDArray theta = row(1, 2, 3);
        NDArray ref = row(3, 1, 0);
        // softmax(1.1 h_theta - 0.1 h_ref) = softmax(0.8, 2.1, 3.3); softmax(0.9 h_theta + 0.1 h_ref) = softmax(1.2, 1.9, 2.7)
        float[] plus = LinearMixing.pilafOptimistic(0.1).mix(List.of(theta, ref)).softmax(1).toFloatArray();
        float[] minus = LinearMixing.pilafConservative(0.1).mix(List.of(theta, ref)).softmax(1).toFloatArray();
        assertArrayEquals(new float[] {0.05934087f, 0.21773927f, 0.72291985f}, plus, 1e-6f);
        assertArrayEquals(new float[] {0.13341442f, 0.26866364f, 0.59792194f}, minus, 1e-6f);
        // The inputs are untouched (mixing must not write into a model's logits).
        assertArrayEquals(new float[] {1, 2, 3}, theta.toFloatArray());
        assertArrayEquals(new float[] {3, 1, 0}, ref.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> LinearMixing.pilafOptimistic(0.1).mix(List.of(theta)));
    }

    private static List<String> names(LogitsPipeline p) {
        return p.processors().stream().map(x -> x.getClass().getSimpleName()).toList();
    }

    private static float[] logs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }
}
