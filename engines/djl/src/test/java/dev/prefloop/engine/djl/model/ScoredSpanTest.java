package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

    /** Without gradients the rows run as blocks on the intra-op threads: 1, 2, 3 and 12 threads give the same sums. */
    @Test
    void blocksOfRowsOnThreadsGiveTheSameLogps() throws Exception {
        int threads = TorchRuntime.threads();
        try (LlamaModel model = LlamaModel.load(HfParityTest.fixture("llama-gqa"), DeviceSpec.CPU,
                ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray ids = m.create(new long[][] {{0, 0, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6}, {0, 0, 0, 9, 8, 7},
                {4, 4, 3, 3, 2, 2}, {0, 6, 5, 4, 3, 2}});
            NDArray attention = m.create(new long[][] {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1},
                {1, 1, 1, 1, 1, 1}, {0, 1, 1, 1, 1, 1}});
            NDArray marks = m.create(new long[][] {{0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 0, 1}, {0, 0, 0, 0, 1, 1},
                {0, 0, 0, 0, 0, 1}, {0, 0, 0, 1, 1, 0}});
            TorchRuntime.setThreads(1);
            float[] sums = model.responseLogps(ids, attention, marks).toFloatArray();
            float[] perToken = model.tokenLogps(ids, attention, 2, 6, marks.get(":, 2:")).toFloatArray();
            for (int n : new int[] {2, 3, 12}) { // 12: 5 blocks of 2 intra-op threads
                TorchRuntime.setThreads(n);
                assertArrayEquals(sums, model.responseLogps(ids, attention, marks).toFloatArray(), 1e-5f,
                        n + " threads");
                assertArrayEquals(perToken, model.tokenLogps(ids, attention, 2, 6, marks.get(":, 2:")).toFloatArray(),
                        1e-5f, n + " threads");
                assertEquals(n, TorchRuntime.threads(), "the caller's intra-op threads are restored");
            }
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    @Test
    void withHeavyPaddingThePadFreeTrunkGivesTheFullPassValuesAndGradients() throws Exception {
        for (String fixture : new String[] {"llama-gqa", "qwen2-bias-tied", "mistral-sliding-window"}) {
            try (LlamaModel model = LlamaModel.load(HfParityTest.fixture(fixture), DeviceSpec.CPU, ComputeDtype.FLOAT32);
                    NDManager m = TorchRuntime.engine().newBaseManager()) {
                NDArray ids = m.create(new long[][] {{0, 0, 0, 0, 5, 6, 7, 8}, {0, 0, 0, 2, 3, 4, 5, 6},
                    {1, 2, 3, 4, 5, 6, 7, 8}});
                NDArray attention = m.create(new long[][] {{0, 0, 0, 0, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1, 1},
                    {1, 1, 1, 1, 1, 1, 1, 1}});
                NDArray marks = m.create(new long[][] {{0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 1, 1, 0, 1},
                    {0, 0, 0, 0, 0, 0, 1, 1}});
                org.junit.jupiter.api.Assertions.assertNotNull(PackedRows.ifWorthIt(attention), "7 of 24 cells are padding");
                float[][] values = new float[2][];
                java.util.List<java.util.Map<String, float[]>> grads = new java.util.ArrayList<>();
                for (int path = 0; path < 2; path++) {
                    model.parameters().values().forEach(p -> p.setRequiresGradient(true));
                    try (ai.djl.training.GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                        NDArray sums = path == 0 ? ResponseLogps.sum(model.logits(ids, attention, null), ids, marks)
                                : model.responseLogps(ids, attention, marks);
                        values[path] = sums.toFloatArray();
                        gc.backward(sums.sum());
                    }
                    java.util.Map<String, float[]> g = new java.util.LinkedHashMap<>();
                    model.parameters().forEach((name, p) -> g.put(name, p.getGradient().toFloatArray()));
                    grads.add(g);
                    model.parameters().values().forEach(p -> p.getGradient().subi(p.getGradient()));
                }
                assertArrayEquals(values[0], values[1], 1e-5f, fixture);
                for (String name : grads.get(0).keySet()) {
                    assertArrayEquals(grads.get(0).get(name), grads.get(1).get(name), 1e-5f, fixture + " " + name);
                }
            }
        }
    }
}
