package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Top-p read off the highest or lowest candidates gives exactly the thresholds, kept tokens and sampled tokens of
 * the full sort, on peaked, flat, mixed, tied and partly removed rows.
 */
class NucleusThresholdTest {

    private static final int V = 4096;
    private static final int B = 8;
    private NDManager m;

    @BeforeEach
    void manager() {
        m = TorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** B rows of V normal logits with per-row standard deviations (large: peaked, small: flat). */
    private NDArray logits(long seed, double... sigma) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[sigma.length * V];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (gaussian(random) * sigma[i / V]);
        }
        return m.create(x, new Shape(sigma.length, V));
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static double[] rows(double sigma) {
        double[] s = new double[B];
        Arrays.fill(s, sigma);
        return s;
    }

    @Test
    void peakedRowsAreReadOffTheHighestCandidates() {
        for (float topP : new float[] {0.5f, 0.9f, 0.95f}) {
            NDArray scores = logits(1, rows(6));
            NucleusThreshold t = new NucleusThreshold(topP);
            float[] sorted = t.ofSorted(scores).toFloatArray();
            NDArray highest = t.ofHighest(scores, 64);
            assertNotNull(highest, "top_p " + topP + ": 64 candidates hold a peaked row's nucleus");
            assertArrayEquals(sorted, highest.toFloatArray(), "top_p " + topP);
            assertArrayEquals(sorted, t.ofHighest(scores, 1000).toFloatArray());
            assertArrayEquals(sorted, t.of(scores).toFloatArray());
        }
    }

    @Test
    void flatRowsAreReadOffTheLowestCandidates() {
        for (float topP : new float[] {0.9f, 0.95f, 0.99f}) {
            NDArray scores = logits(2, rows(0.32));
            NucleusThreshold t = new NucleusThreshold(topP);
            float[] sorted = t.ofSorted(scores).toFloatArray();
            assertNull(t.ofHighest(scores, V / 8), "a flat row's nucleus is most of the vocabulary");
            NDArray lowest = t.ofLowest(scores, V / 4);
            assertNotNull(lowest, "top_p " + topP);
            assertArrayEquals(sorted, lowest.toFloatArray(), "top_p " + topP);
            assertArrayEquals(sorted, t.of(scores).toFloatArray());
        }
    }

    @Test
    void everyCandidateSetThatHoldsTheThresholdGivesTheSortedOne() {
        // Mixed rows, ties (logits on a grid of 1/4) and rows where top-k already removed tokens (-inf).
        NDArray mixed = logits(3, 0.1, 0.5, 1, 2, 3, 6, 0.32, 10);
        NDArray tied = logits(4, rows(1.5)).mul(m.full(new Shape(), 4f)).round().div(m.full(new Shape(), 4f));
        NDArray cut = new TopK(300).process(logits(5, rows(0.5)), null);
        for (NDArray scores : new NDArray[] {mixed, tied, cut}) {
            for (float topP : new float[] {0.3f, 0.8f, 0.95f}) {
                NucleusThreshold t = new NucleusThreshold(topP);
                float[] sorted = t.ofSorted(scores).toFloatArray();
                assertArrayEquals(sorted, t.of(scores).toFloatArray());
                for (int k = 1; k < V; k *= 2) {
                    for (NDArray theta : new NDArray[] {t.ofHighest(scores, k), t.ofLowest(scores, k)}) {
                        if (theta != null) {
                            assertArrayEquals(sorted, theta.toFloatArray(), "top_p " + topP + ", k " + k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void keptTokensAreTheSmallestTopSetReachingTheMass() {
        // Against a direct reading of the definition in double precision, row by row.
        NDArray scores = logits(6, 0.2, 0.5, 1, 2, 3, 4, 0.32, 8);
        float topP = 0.9f;
        float[] kept = new TopP(topP).process(scores, null).toFloatArray();
        float[] x = scores.toFloatArray();
        for (int r = 0; r < 8; r++) {
            double[] p = new double[V];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < V; i++) {
                max = Math.max(max, x[r * V + i]);
            }
            double z = 0;
            for (int i = 0; i < V; i++) {
                p[i] = Math.exp(x[r * V + i] - max);
                z += p[i];
            }
            Integer[] order = new Integer[V];
            Arrays.setAll(order, i -> i);
            int row = r;
            Arrays.sort(order, (a, b) -> Float.compare(x[row * V + b], x[row * V + a]));
            double before = 0;
            int n = 0;
            while (n < V && before < topP * z) {
                before += p[order[n++]];
            }
            int count = 0;
            for (int i = 0; i < V; i++) {
                count += kept[r * V + i] > Float.NEGATIVE_INFINITY ? 1 : 0;
            }
            assertEquals(n, count, "row " + r);
        }
    }

    @Test
    void samplesFromTheFastPathsEqualTheFullSortsWithTheSameRowStreams() {
        NDArray scores = logits(7, 0.1, 0.32, 1, 2, 3, 5, 0.5, 12);
        NucleusThreshold t = new NucleusThreshold(0.95f);
        NDArray full = TopP.keepFrom(scores, t.ofSorted(scores)).logSoftmax(1);
        NDArray fast = new TopP(0.95).process(scores, null).logSoftmax(1);
        assertArrayEquals(full.toFloatArray(), fast.toFloatArray());
        for (int draw = 0; draw < 20; draw++) {
            float[] u = new float[8];
            for (int r = 0; r < 8; r++) {
                u[r] = (float) SequenceRandom.uniform(SequenceRandom.of(3, "row" + r, draw));
            }
            assertArrayEquals(Generator.drawInverseCdf(full, u).toLongArray(),
                    Generator.drawInverseCdf(fast, u).toLongArray(), "draw " + draw);
        }
    }
}
