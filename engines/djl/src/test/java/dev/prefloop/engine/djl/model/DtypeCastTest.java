package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import org.junit.jupiter.api.Test;

/** Casts inside a training graph: DJL's toType cuts the graph, DtypeCast keeps it, with float32's gradient. */
class DtypeCastTest {

    @Test
    void aGradientFlowsThroughFloat16AndBackAsItDoesInFloat32() {
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray a = m.create(new float[] {0.5f, -1.25f, 2f, 0.75f}, new Shape(2, 2));
            NDArray x = m.create(new float[] {1f, 2f, -0.5f, 0.25f, 3f, -1f}, new Shape(3, 2));
            a.setRequiresGradient(true);
            float[] viaHalf;
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                NDArray h = x.getNDArrayInternal().linear(x, a, null).singletonOrThrow(); // (3, 2) float32
                NDArray half = DtypeCast.to(h, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
                gc.backward(DtypeCast.to(half.square().sum(), DataType.FLOAT32));
                viaHalf = a.getGradient().toFloatArray();
            }
            a.getGradient().subi(a.getGradient());
            float[] direct;
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                NDArray h = x.getNDArrayInternal().linear(x, a, null).singletonOrThrow();
                gc.backward(h.square().sum());
                direct = a.getGradient().toFloatArray();
            }
            assertArrayEquals(direct, viaHalf, 1e-2f, "float16 rounds the forward, not the graph");
            // The reason for the class: toType detaches.
            assertThrows(EngineException.class, () -> {
                try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                    NDArray h = x.getNDArrayInternal().linear(x, a, null).singletonOrThrow();
                    gc.backward(h.toType(DataType.FLOAT16, false).sum().toType(DataType.FLOAT32, false));
                }
            });
        }
    }
}
