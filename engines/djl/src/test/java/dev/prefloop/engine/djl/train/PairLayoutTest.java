package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared-prompt pass computes what the concatenated pass computes: log-probabilities, loss and gradients. */
class PairLayoutTest {

    @TempDir
    Path tmp;

    @Test
    void sharedPromptAndConcatenatedPassesAgree() {
        assertLayoutsAgree(false); // the shared layout's padding-free trunk (PackedRows)
    }

    @Test
    void sharedPromptAndConcatenatedPassesAgreeWithWpoLogits() {
        assertLayoutsAgree(true); // WPO needs the logits: the shared layout runs its trunk on the padded grid
    }

    private void assertLayoutsAgree(boolean useWeighting) {
        Path dir = TinyModel.write(tmp.resolve("model"), 21);
        // Prompts and completions of different lengths, so every kind of padding occurs.
        List<TokenizedPair> pairs = List.of(
                new TokenizedPair(new long[] {5, 6, 7, 8}, new long[] {9, 10}, new long[] {11, 12, 13, 14}, -1, -2),
                new TokenizedPair(new long[] {20}, new long[] {21, 22, 23}, new long[] {24}, -3, -4),
                new TokenizedPair(new long[] {30, 31}, new long[] {32}, new long[] {33, 34}, -5, -6));
        ReferenceTable ref = new ReferenceTable(new float[] {-12, -8, -4}, new float[] {-14, -3, -9});
        int[] all = {0, 1, 2};
        Engine engine = TorchRuntime.engine();
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager base = engine.newBaseManager()) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            Map<PairLayout, double[]> logps = new LinkedHashMap<>();
            Map<PairLayout, Map<String, float[]>> grads = new LinkedHashMap<>();
            for (PairLayout layout : PairLayout.values()) {
                PreferenceObjective o = new PreferenceObjective(pairs, ref,
                        LossRegistry.create("sigmoid", LossSettings.defaults()), useWeighting, 0, layout);
                try (NDScope scope = new NDScope(); NDManager m = base.newSubManager()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        TrainingObjective.Micro r = o.compute(model, all, m);
                        gc.backward(r.lossSum());
                        logps.put(layout, new double[] {r.lossSum().getFloat(), r.metrics().get("logps/chosen"),
                                r.metrics().get("logps/rejected")});
                    }
                    Map<String, float[]> g = new LinkedHashMap<>();
                    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                        g.put(e.getKey(), e.getValue().getGradient().toFloatArray());
                    }
                    grads.put(layout, g);
                }
                GradientClipping.zero(model.parameters());
            }
            double[] a = logps.get(PairLayout.SHARED_PROMPT);
            double[] b = logps.get(PairLayout.CONCATENATED);
            System.out.printf(Locale.ROOT, "shared %s vs concatenated %s%n", java.util.Arrays.toString(a),
                    java.util.Arrays.toString(b));
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-4 * Math.max(1, Math.abs(b[i])), "value " + i);
            }
            double worst = 0;
            double scale = 0;
            for (String name : model.parameters().keySet()) {
                float[] x = grads.get(PairLayout.SHARED_PROMPT).get(name);
                float[] y = grads.get(PairLayout.CONCATENATED).get(name);
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                    scale = Math.max(scale, Math.abs(y[i]));
                }
            }
            System.out.printf(Locale.ROOT, "max gradient difference %.3g of max gradient %.3g%n", worst, scale);
            assertTrue(scale > 0 && worst <= 1e-4 * scale, "gradients differ by " + worst + " (max " + scale + ")");
        }
    }

    @Test
    void gradientsAreTheSameUnderGarbageCollectionPressureBetweenForwardAndBackward() {
        // djl-notes 2.3: a Java number passed to an op inside autograd is freed before backward reads it; every
        // constant of the objective and the trainer is a native scalar, so GC between the passes changes nothing.
        Path dir = TinyModel.write(tmp.resolve("model"), 22);
        List<TokenizedPair> pairs = SyntheticData.pairs(6, 23);
        ReferenceTable ref = new ReferenceTable(new float[] {-20, -21, -22, -23, -24, -25},
                new float[] {-25, -24, -23, -22, -21, -20});
        int[] all = {0, 1, 2, 3, 4, 5};
        Engine engine = TorchRuntime.engine();
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager base = engine.newBaseManager()) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            List<Map<String, float[]>> runs = new java.util.ArrayList<>();
            for (boolean pressure : new boolean[] {false, true, true}) {
                PreferenceObjective o = new PreferenceObjective(pairs, ref,
                        LossRegistry.create("sigmoid", LossSettings.defaults().with("label_smoothing", "0.1")), true, 0,
                        PairLayout.SHARED_PROMPT);
                try (NDScope scope = new NDScope(); NDManager m = base.newSubManager()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray loss = o.compute(model, all, m).lossSum().mul(m.full(new ai.djl.ndarray.types.Shape(),
                                1f / 6));
                        if (pressure) {
                            for (int i = 0; i < 200; i++) {
                                byte[][] garbage = new byte[64][];
                                for (int k = 0; k < garbage.length; k++) {
                                    garbage[k] = new byte[16 << 10];
                                }
                                garbage[0][0] = 1;
                            }
                            System.gc();
                        }
                        gc.backward(loss);
                    }
                    Map<String, float[]> g = new LinkedHashMap<>();
                    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                        g.put(e.getKey(), e.getValue().getGradient().toFloatArray());
                    }
                    runs.add(g);
                }
                GradientClipping.zero(model.parameters());
            }
            for (String name : model.parameters().keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(runs.get(0).get(name), runs.get(1).get(name), name);
                org.junit.jupiter.api.Assertions.assertArrayEquals(runs.get(0).get(name), runs.get(2).get(name), name);
            }
        }
    }

    @Test
    void ldWeightedSumsAgreeAcrossLayoutsAndWithTheReferencePassAtTheStart() {
        Path dir = TinyModel.write(tmp.resolve("model"), 24);
        List<TokenizedPair> pairs = List.of(
                new TokenizedPair(new long[] {5, 6, 7}, new long[] {9, 10, 11, 12, 13}, new long[] {14, 15}, 0, 0),
                new TokenizedPair(new long[] {20, 21}, new long[] {22}, new long[] {23, 24, 25}, 0, 0));
        int[] all = {0, 1};
        dev.prefloop.engine.djl.loss.LdWeighting ld = new dev.prefloop.engine.djl.loss.LdWeighting(0.5);
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            ReferenceTable plain = ReferenceLogps.compute(model, pairs, 2, 0, 0, dev.prefloop.core.progress.Progress.NONE);
            ReferenceTable weighted = ReferenceLogps.compute(model, pairs, 2, 0, 0,
                    dev.prefloop.core.progress.Progress.NONE, ld);
            // The chosen response of pair 0 is longer than its rejected one: its tail counts half.
            assertTrue(weighted.chosen()[0] > plain.chosen()[0], weighted.chosen()[0] + " vs " + plain.chosen()[0]);
            assertEquals(plain.rejected()[0], weighted.rejected()[0], 1e-6);
            for (PairLayout layout : PairLayout.values()) {
                PreferenceObjective o = new PreferenceObjective(pairs, weighted,
                        LossRegistry.create("sigmoid", LossSettings.defaults()), false, 0, layout, ld);
                Map<String, Double> metrics = o.compute(model, all, m).metrics();
                // Policy = reference before any update: the LD-weighted rewards are 0 on both sides.
                assertEquals(0.0, metrics.get("rewards/chosen"), 1e-5, layout + " " + metrics);
                assertEquals(0.0, metrics.get("rewards/rejected"), 1e-5, layout + " " + metrics);
                assertEquals((weighted.chosen()[0] + weighted.chosen()[1]) / 2, metrics.get("logps/chosen"), 1e-4);
            }
        }
    }
}
