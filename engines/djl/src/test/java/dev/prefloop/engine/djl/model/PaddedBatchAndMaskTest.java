package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaddedBatchAndMaskTest {

    @Test
    void leftPadsPromptThenResponse() {
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            PaddedBatch b = PaddedBatch.leftPadded(m, List.of(new long[] {1, 5}, new long[] {1}),
                    List.of(new long[] {7, 8}, new long[] {9}), 0);
            assertEquals(new Shape(2, 4), b.inputIds().getShape());
            assertArrayEquals(new long[] {1, 5, 7, 8, 0, 0, 1, 9}, b.inputIds().toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0, 1, 1}, b.attentionMask().toLongArray());
            assertArrayEquals(new long[] {0, 0, 1, 1, 0, 0, 0, 1}, b.responseMask().toLongArray());
            assertArrayEquals(new long[] {0, 1, 2, 3, 1, 1, 0, 1}, LlamaModel.positionIds(b.attentionMask()).toLongArray());
        }
    }

    /** 1 = allowed, from the additive mask (B, 1, 1, T, S). */
    private static float[] allowed(NDArray additive) {
        float[] v = additive.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] == 0f ? 1f : 0f;
        }
        return v;
    }

    @Test
    void causalPaddingAndSlidingWindow() {
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray keys = m.create(new long[][] {{0, 1, 1, 1}});
            NDArray mask = AttentionMask.additive(keys, 0, 4, 2);
            assertEquals(new Shape(1, 1, 1, 4, 4), mask.getShape());
            assertEquals(-Float.MAX_VALUE, mask.min().getFloat());
            assertArrayEquals(new float[] {
                0, 0, 0, 0, // a pad query sees nothing (uniform softmax, never NaN)
                0, 1, 0, 0,
                0, 1, 1, 0,
                0, 0, 1, 1, // window 2: itself and one before
            }, allowed(mask));
        }
    }

    @Test
    void queriesAfterACachedPrefixSeeEveryEarlierColumn() {
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray keys = m.create(new long[][] {{1, 1, 1, 1, 1}});
            NDArray mask = AttentionMask.additive(keys, 3, 2, 0); // queries at cache columns 3 and 4
            assertEquals(new Shape(1, 1, 1, 2, 5), mask.getShape());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, allowed(mask));
        }
    }
}
