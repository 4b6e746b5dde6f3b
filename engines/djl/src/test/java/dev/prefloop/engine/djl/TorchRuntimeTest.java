package dev.prefloop.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class TorchRuntimeTest {

    @Test
    void startsOfflineOnCpuAndRunsABackwardPass() {
        Engine eng = TorchRuntime.engine();
        assertEquals("PyTorch", eng.getEngineName());
        try (NDManager m = eng.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, 2f, 3f});
            x.setRequiresGradient(true);
            NDArray three = m.full(new Shape(), 3f);
            try (GradientCollector gc = eng.newGradientCollector()) {
                // y = sum(3 * x^2)  ->  dy/dx = 6x
                NDArray y = x.mul(x).mul(three).sum();
                gc.backward(y);
            }
            assertArrayEquals(new float[] {6f, 12f, 18f}, x.getGradient().toFloatArray(), 1e-6f);
        }
    }
}
