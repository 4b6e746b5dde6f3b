package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * prefill + decodeStep against the fixtures' greedy step logits (transformers' cached decoding)
 * and against full recomputation of the whole sequence without a cache, left padding and sliding
 * windows included.
 */
class KvCacheTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Loads a fixture, reading pytorch_model.bin through the restricted reader where that is all it has. */
    static LlamaModel load(Path dir) {
        DecoderConfig config = DecoderConfig.read(dir);
        return LlamaModel.load(dir, config, Device.cpu(), DataType.FLOAT32);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama-gqa", "llama-gqa-bf16", "llama-gqa-f16", "llama-gqa-sharded", "llama-gqa-bin",
            "llama-gqa-v5config", "llama-rope-linear", "mistral-sliding-window", "qwen2-bias-tied"})
    void cachedStepsMatchTheFixtureAndFullRecomputation(String name) throws Exception {
        Path dir = HfParityTest.fixture(name);
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        JsonNode greedy = exp.get("greedy");
        long[][] ids = HfParityTest.longs(exp.get("input_ids"));
        long[][] mask = HfParityTest.longs(exp.get("attention_mask"));
        long[][] tokens = HfParityTest.longs(greedy.get("tokens"));
        int b = ids.length;
        int t = ids[0].length;
        int steps = greedy.get("max_new_tokens").asInt();
        int v = exp.get("vocab_size").asInt();
        try (LlamaModel model = load(dir); NDManager m = TorchRuntime.engine().newBaseManager();
                KvCache cache = model.newCache(m, b, t + steps)) {
            double maxFixture = 0;
            double maxRecompute = 0;
            // The full sequence so far: prompt columns, then the fixture's greedy tokens.
            long[][] full = new long[b][t + steps];
            long[][] fullMask = new long[b][t + steps];
            for (int r = 0; r < b; r++) {
                System.arraycopy(ids[r], 0, full[r], 0, t);
                System.arraycopy(mask[r], 0, fullMask[r], 0, t);
            }
            for (int s = 0; s < steps; s++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray logits;
                    if (s == 0) {
                        logits = model.prefill(cache, m.create(ids), m.create(mask));
                    } else {
                        long[] fed = new long[b];
                        for (int r = 0; r < b; r++) {
                            fed[r] = tokens[r][s - 1];
                        }
                        logits = model.decodeStep(cache, m.create(fed));
                    }
                    float[] got = logits.toFloatArray(); // (B, V)
                    int cols = t + s;
                    long[][] prefix = new long[b][cols];
                    long[][] prefixMask = new long[b][cols];
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(full[r], 0, prefix[r], 0, cols);
                        System.arraycopy(fullMask[r], 0, prefixMask[r], 0, cols);
                    }
                    float[] recomputed = model.logits(m.create(prefix), m.create(prefixMask), null)
                            .get(new NDIndex(":, -1")).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        JsonNode expected = greedy.get("step_logits").get(r).get(s);
                        for (int k = 0; k < v; k++) {
                            maxFixture = Math.max(maxFixture, Math.abs(got[r * v + k] - expected.get(k).asDouble()));
                            maxRecompute = Math.max(maxRecompute, Math.abs(got[r * v + k] - recomputed[r * v + k]));
                        }
                        full[r][cols] = tokens[r][s];
                        fullMask[r][cols] = 1;
                    }
                }
            }
            assertEquals(t + steps - 1, cache.length());
            String report = String.format(Locale.ROOT, "%s: max |step logits - fixture| %.3g, - recomputation %.3g",
                    name, maxFixture, maxRecompute);
            System.out.println(report);
            assertTrue(maxFixture <= exp.get("tolerances").get("step_logits_max_abs").asDouble(), report);
            assertTrue(maxRecompute <= 1e-4, report);
        }
    }

    /**
     * Decoding reads the cache through prefix views 16 columns wide at a time: steps across several widths, up
     * to the capacity (not a multiple of 16), with a row dropped halfway (which replaces the buffers the views
     * read), give the logits of recomputing every remaining row's whole sequence.
     */
    @Test
    void stepsAcrossPrefixWidthsAndDroppedRowsMatchRecomputation() throws Exception {
        int b = 3;
        int t = 5;
        int capacity = 41;
        long[][] ids = {{0, 0, 11, 12, 13}, {21, 22, 23, 24, 25}, {0, 31, 32, 33, 34}};
        long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}};
        try (LlamaModel model = load(HfParityTest.fixture("llama-gqa")); NDManager m = TorchRuntime.engine().newBaseManager();
                KvCache cache = model.newCache(m, b, capacity)) {
            int v = model.config().vocab_size();
            List<long[]> seqs = new ArrayList<>();
            List<long[]> masks = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                seqs.add(ids[r].clone());
                masks.add(mask[r].clone());
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                model.prefill(cache, m.create(ids), m.create(mask));
            }
            double worst = 0;
            for (int s = 0; s < capacity - t; s++) {
                if (s == 20) { // the middle row finishes
                    cache.keepRows(new long[] {0, 2});
                    seqs.remove(1);
                    masks.remove(1);
                }
                int rows = seqs.size();
                long[] fed = new long[rows];
                for (int r = 0; r < rows; r++) {
                    fed[r] = (7L * s + 3L * r + 1) % v;
                    seqs.set(r, append(seqs.get(r), fed[r]));
                    masks.set(r, append(masks.get(r), 1));
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    float[] got = model.decodeStep(cache, m.create(fed)).toFloatArray(); // (rows, V)
                    int to = t + s + 1;
                    assertEquals(Math.min(capacity, (to + 15) / 16 * 16), cache.viewWidth(), "columns read at " + to);
                    float[] want = model.logits(m.create(seqs.toArray(long[][]::new)), m.create(masks.toArray(long[][]::new)),
                            null).get(new NDIndex(":, -1")).toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        worst = Math.max(worst, Math.abs(got[i] - want[i]));
                    }
                }
            }
            assertEquals(capacity, cache.length());
            assertTrue(worst <= 1e-4, "max |step logits - recomputation| " + worst);
        }
    }

    /**
     * With n intra-op threads a CPU prefill runs as n blocks of rows at the same time, each writing its rows of the
     * cache: 1, 2, 3 and 12 threads over 5 ragged rows give the same logits, the same cache (every layer's keys and
     * values, positions, mask) and the same next step.
     */
    @Test
    void prefillInBlocksOfRowsEqualsOnePass() throws Exception {
        long[][] ids = {{0, 0, 11, 12, 13}, {21, 22, 23, 24, 25}, {0, 31, 32, 33, 34}, {0, 0, 0, 41, 42},
            {51, 52, 53, 54, 55}};
        long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}, {0, 0, 0, 1, 1}, {1, 1, 1, 1, 1}};
        long[] fed = {1, 2, 3, 4, 5};
        float[][] realColumns = new float[ids.length][8];
        for (int r = 0; r < ids.length; r++) {
            for (int c = 0; c < mask[r].length; c++) {
                realColumns[r][c] = mask[r][c];
            }
        }
        int threads = TorchRuntime.threads();
        try (LlamaModel model = load(HfParityTest.fixture("llama-gqa"));
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            float[][] base = null;
            for (int n : new int[] {1, 2, 3, 12}) { // 12: 5 blocks of 2 intra-op threads
                TorchRuntime.setThreads(n);
                try (NDScope scope = new NDScope(); KvCache cache = model.newCache(m, ids.length, 8)) {
                    scope.suppressNotUsedWarning();
                    List<float[]> got = new ArrayList<>();
                    got.add(model.prefill(cache, m.create(ids), m.create(mask)).toFloatArray());
                    assertEquals(5, cache.length());
                    // Pad columns hold whatever a pass left there (masked for good); the real ones must agree.
                    NDArray real = m.create(realColumns).reshape(ids.length, 1, 8, 1);
                    for (int l = 0; l < model.config().num_hidden_layers(); l++) {
                        got.add(cache.keys(l, 0, 8).mul(real).toFloatArray());
                        got.add(cache.values(l, 0, 8).mul(real).toFloatArray());
                    }
                    got.add(cache.positions().toType(DataType.FLOAT32, false).toFloatArray());
                    got.add(cache.singleQueryMask(0, 8).toFloatArray());
                    got.add(model.decodeStep(cache, m.create(fed)).toFloatArray());
                    if (base == null) {
                        base = got.toArray(float[][]::new);
                        continue;
                    }
                    for (int i = 0; i < base.length; i++) {
                        float[] want = base[i];
                        float[] have = got.get(i);
                        assertEquals(want.length, have.length);
                        for (int k = 0; k < want.length; k++) {
                            assertEquals(want[k], have[k], 1e-5, n + " threads, array " + i + " element " + k);
                        }
                    }
                }
            }
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    /**
     * A prefill frees each layer's temporaries when the layer is done (torch frees them as it goes), not when the
     * caller's scope closes. A 2-layer prefill left 160 arrays on the caller's manager without that (about 55 per
     * layer) and leaves 50 with it: the embedding, masks, RoPE angles, head and one output per layer.
     */
    @Test
    void aPrefillKeepsNoLayerTemporaries() throws Exception {
        int threads = TorchRuntime.threads();
        try (LlamaModel model = load(HfParityTest.fixture("llama-gqa"));
                NDManager m = TorchRuntime.engine().newBaseManager();
                KvCache cache = model.newCache(m, 2, 8)) {
            TorchRuntime.setThreads(1);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray ids = m.create(new long[][] {{1, 2, 3}, {4, 5, 6}});
                NDArray mask = m.ones(ids.getShape(), DataType.INT64);
                int before = m.getManagedArrays().size();
                model.prefill(cache, ids, mask);
                int left = m.getManagedArrays().size() - before;
                assertTrue(left <= 60, left + " arrays left by a 2-layer prefill");
            }
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    /** A failing block of rows (an id past the vocabulary in the last row) fails the prefill; the cache stays empty. */
    @Test
    void aFailingBlockOfRowsFailsThePrefill() throws Exception {
        int threads = TorchRuntime.threads();
        try (LlamaModel model = load(HfParityTest.fixture("llama-gqa"));
                NDManager m = TorchRuntime.engine().newBaseManager();
                KvCache cache = model.newCache(m, 2, 8)) {
            TorchRuntime.setThreads(2);
            long[][] ids = {{1, 2, 3}, {4, 5, model.config().vocab_size() + 5L}};
            long[][] mask = {{1, 1, 1}, {1, 1, 1}};
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                assertThrows(RuntimeException.class, () -> model.prefill(cache, m.create(ids), m.create(mask)));
            }
            assertEquals(0, cache.length());
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    private static long[] append(long[] a, long x) {
        long[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = x;
        return out;
    }

    /**
     * Native results per decoding step, the per-op overhead budget (djl-notes.md section 3): one step
     * of the 2-layer llama-gqa fixture made 137 arrays before the single-token attention path and
     * makes 114 now (about 48 per layer, 18 per step outside the layers). Each array is one native
     * call or a view of one; a rise means a slower decode for every model. With 2 to 4 rows each of
     * the 15 projections runs weight-major ({@link Linear#weightMajor}), 5 arrays instead of 1: they
     * avoid MKL's copy of the whole weight, which costs more than the 4 extra calls.
     */
    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {5, 2})
    void aDecodingStepStaysWithinItsNativeCallBudget(int rows) throws Exception {
        int budget = rows > Linear.WEIGHT_MAJOR_MAX_ROWS ? 99 : 99 + 15 * 4; // 96 and 156 now
        try (LlamaModel model = LlamaModel.load(HfParityTest.fixture("llama-gqa"), DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager();
                KvCache cache = model.newCache(m, rows, 16)) {
            long[][] ids = new long[rows][3];
            long[][] mask = new long[rows][3];
            long[] first = new long[rows];
            long[] second = new long[rows];
            for (int r = 0; r < rows; r++) {
                ids[r] = new long[] {1 + r, 2 + r, 3 + r};
                mask[r] = new long[] {r % 2, 1, 1};
                first[r] = 9 + r;
                second[r] = 7 + r;
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                model.prefill(cache, m.create(ids), m.create(mask));
            }
            try (NDScope scope = new NDScope()) { // the first step makes the cache's prefix views
                scope.suppressNotUsedWarning();
                model.decodeStep(cache, m.create(first));
            }
            try (NDScope scope = new NDScope(); NDManager step = m.newSubManager()) {
                scope.suppressNotUsedWarning();
                int before = m.getManagedArrays().size(); // counts sub-managers' arrays too
                NDArray fed = step.create(second);
                model.decodeStep(cache, fed);
                int made = m.getManagedArrays().size() - before - 1;
                System.out.println("arrays made by one decoding step (2 layers, " + rows + " rows): " + made);
                assertTrue(made <= budget, "one decoding step made " + made + " arrays, budget " + budget);
            }
        }
    }
}
