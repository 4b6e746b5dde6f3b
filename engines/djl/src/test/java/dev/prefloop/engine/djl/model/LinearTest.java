package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Linear's two ways to compute x W^T + b (linear, and weight-major for a few rows) agree. */
class LinearTest {

    private static final int IN = 24;
    private static final int OUT = 200;

    /** x W^T + b in double precision, x (rows, in). */
    private static double[] reference(float[] x, int rows, float[] w, float[] b, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < IN; i++) {
                    s += (double) x[r * IN + i] * w[o * IN + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    @Test
    void everyRowCountGivesTheProductInTheInputsShapeAndManager() {
        Random rnd = new Random(7);
        float[] w = random(rnd, OUT * IN);
        float[] b = random(rnd, OUT);
        try (NDManager model = TorchRuntime.engine().newBaseManager(); NDManager step = TorchRuntime.engine().newBaseManager()) {
            Linear withBias = new Linear(model.create(w, new Shape(OUT, IN)), model.create(b, new Shape(OUT)));
            Linear noBias = new Linear(model.create(w, new Shape(OUT, IN)), null);
            int modelArrays = model.getManagedArrays().size();
            // 1 row: a matrix-vector product; 2..4: weight-major; 5 and more: linear
            for (int rows : new int[] {1, 2, 3, Linear.WEIGHT_MAJOR_MAX_ROWS, Linear.WEIGHT_MAJOR_MAX_ROWS + 1, 64}) {
                float[] x = random(rnd, rows * IN);
                for (Linear l : new Linear[] {withBias, noBias}) {
                    NDArray in = step.create(x, new Shape(rows, 1, IN)); // (B, 1, C) as a decoding step feeds it
                    assertEquals(rows >= 2 && rows <= Linear.WEIGHT_MAJOR_MAX_ROWS, l.weightMajor(in.getShape()));
                    NDArray y = l.forward(in);
                    assertEquals(new Shape(rows, 1, OUT), y.getShape());
                    assertEquals(step, y.getManager(), "the result lives on the input's manager");
                    double[] want = reference(x, rows, w, l == withBias ? b : null, OUT);
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), rows + " rows, element " + i);
                    }
                }
            }
            assertEquals(modelArrays, model.getManagedArrays().size(), "no result is left on the weights' manager");
            // Deeper weights stay on linear's path.
            Linear deep = new Linear(model.create(new float[2 * (Linear.WEIGHT_MAJOR_MAX_IN + 1)],
                    new Shape(2, Linear.WEIGHT_MAJOR_MAX_IN + 1)), null);
            assertEquals(false, deep.weightMajor(new Shape(2, 1, Linear.WEIGHT_MAJOR_MAX_IN + 1)));
        }
    }

    @Test
    void theWeightMajorPathHasLinearsGradients() {
        Random rnd = new Random(11);
        float[] w = random(rnd, OUT * IN);
        float[] x = random(rnd, 4 * IN);
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray weight = m.create(w, new Shape(OUT, IN));
            weight.setRequiresGradient(true);
            NDArray in = m.create(x, new Shape(4, IN));
            float[] viaLinear;
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                gc.backward(in.getNDArrayInternal().linear(in, weight, null).singletonOrThrow().square().sum());
                viaLinear = weight.getGradient().toFloatArray();
            }
            weight.getGradient().subi(weight.getGradient());
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                gc.backward(new Linear(weight, null).forward(in).square().sum());
            }
            float[] viaForward = weight.getGradient().toFloatArray();
            assertTrue(viaLinear.length > 0);
            assertArrayEquals(viaLinear, viaForward, 1e-3f);
        }
    }
}
