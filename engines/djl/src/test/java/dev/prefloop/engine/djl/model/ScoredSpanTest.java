package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.TorchRuntime;
import org.junit.jupiter.api.Test;

/**
 * responseLogps runs the LM head only on the columns that predict marked tokens; its sums equal those read off the
 * full logits, for spans in the middle of left-padded rows, gaps in the marks, a mark on column 0, and no marks.
 */
class ScoredSpanTest {

    @Test
    void sumsFromTheScoredSpanEqualThoseFromFullLogits() throws Exception {
        try (LlamaModel model = LlamaModel.load(HfParityTest.fixture("llama-gqa"), DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray ids = m.create(new long[][] {{0, 0, 5, 6, 7, 8, 9, 10}, {1, 2, 3, 4, 5, 6, 7, 8}});
            NDArray attention = m.create(new long[][] {{0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}});
            long[][][] masks = {
                {{0, 0, 0, 0, 1, 1, 0, 0}, {0, 0, 0, 1, 1, 0, 0, 0}}, // a span in the middle
                {{0, 0, 0, 1, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 1}}, // gaps, the last column
                {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 0, 0, 0, 0, 0, 0, 0}}, // column 0 marked (never scored)
                {{0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}}, // nothing
            };
            NDArray logits = model.logits(ids, attention, null);
            for (long[][] mask : masks) {
                NDArray marks = m.create(mask);
                float[] full = ResponseLogps.sum(logits, ids, marks).toFloatArray();
                assertArrayEquals(full, model.responseLogps(ids, attention, marks).toFloatArray(), 1e-5f);
            }
        }
    }
}
