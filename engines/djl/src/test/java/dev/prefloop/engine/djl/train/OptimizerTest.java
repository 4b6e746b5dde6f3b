package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdamW and clipping against updates computed by hand. */
class OptimizerTest {

    @TempDir
    Path tmp;

    /** Sets gradients: loss = sum(c * p) gives dL/dp = c. */
    private static void gradients(Engine engine, NDManager m, Map<String, NDArray> params, Map<String, float[]> grads) {
        try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray loss = null;
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray c = m.create(grads.get(e.getKey()), e.getValue().getShape());
                NDArray term = e.getValue().mul(c).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    @Test
    void twoAdamWStepsMatchTheHandComputedUpdateWithDecayOnMatricesOnly() {
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", m.create(new float[] {1f, -2f, 0.5f, 3f}, new Shape(2, 2)));
            params.put("b", m.create(new float[] {0.25f, -1f}));
            params.values().forEach(p -> p.setRequiresGradient(true));
            double b1 = 0.9;
            double b2 = 0.999;
            double eps = 1e-8;
            double wd = 0.1;
            double lr = 0.01;
            Map<String, float[]> g = Map.of("w", new float[] {0.5f, -1f, 2f, 0f}, "b", new float[] {-3f, 0.1f});
            try (AdamW opt = new AdamW(params, b1, b2, eps, wd)) {
                assertEquals(List.of("w"), opt.decayed());
                assertEquals(List.of("b"), opt.notDecayed());
                double[][] p = {{1, -2, 0.5, 3}, {0.25, -1}};
                double[][] mom = new double[2][4];
                double[][] vel = new double[2][4];
                String[] names = {"w", "b"};
                for (int t = 1; t <= 2; t++) {
                    gradients(engine, m, params, g);
                    opt.step(lr);
                    GradientClipping.zero(params);
                    for (int k = 0; k < 2; k++) {
                        float[] gk = g.get(names[k]);
                        for (int i = 0; i < gk.length; i++) {
                            if (k == 0) {
                                p[k][i] *= 1 - lr * wd;
                            }
                            mom[k][i] = b1 * mom[k][i] + (1 - b1) * gk[i];
                            vel[k][i] = b2 * vel[k][i] + (1 - b2) * gk[i] * gk[i];
                            double mh = mom[k][i] / (1 - Math.pow(b1, t));
                            double vh = vel[k][i] / (1 - Math.pow(b2, t));
                            p[k][i] -= lr * mh / (Math.sqrt(vh) + eps);
                        }
                    }
                }
                for (int k = 0; k < 2; k++) {
                    float[] actual = params.get(names[k]).toFloatArray();
                    for (int i = 0; i < actual.length; i++) {
                        assertEquals(p[k][i], actual[i], 2e-6, names[k] + "[" + i + "]");
                    }
                }
                assertEquals(2, opt.steps());
                // optimizer.pt round trip: the moments come back bit for bit, with the update count
                Path file = tmp.resolve("optimizer.pt");
                AdamWStateFile.write(file, opt, lr, lr);
                try (AdamW restored = new AdamW(params, b1, b2, eps, wd)) {
                    AdamWStateFile.restore(file, restored);
                    assertEquals(2, restored.steps());
                    for (String name : List.of("w", "b")) {
                        assertEquals(opt.expAvg(name).data(), restored.expAvg(name).data(), name);
                        assertEquals(opt.expAvgSq(name).data(), restored.expAvgSq(name).data(), name);
                    }
                }
            }
        }
    }

    @Test
    void clippingScalesTheGlobalNormToTheLimitAndReportsTheNormBefore() {
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("a", m.zeros(new Shape(2)));
            params.put("b", m.zeros(new Shape(1, 1)));
            params.values().forEach(p -> p.setRequiresGradient(true));
            gradients(engine, m, params, Map.of("a", new float[] {3f, 0f}, "b", new float[] {4f})); // norm 5
            assertEquals(5.0, GradientClipping.clip(params, 1.0), 1e-6);
            assertArrayEquals(new float[] {0.6f, 0f}, params.get("a").getGradient().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.8f}, params.get("b").getGradient().toFloatArray(), 1e-6f);
            assertEquals(1.0, GradientClipping.globalNorm(params), 1e-5);
            // Under the limit nothing changes; 0 turns clipping off.
            assertEquals(1.0, GradientClipping.clip(params, 2.0), 1e-5);
            assertEquals(1.0, GradientClipping.clip(params, 0.0), 1e-5);
            assertArrayEquals(new float[] {0.8f}, params.get("b").getGradient().toFloatArray(), 1e-6f);
            GradientClipping.zero(params);
            assertEquals(0.0, GradientClipping.globalNorm(params), 0);
        }
    }
}
