package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with transformers on the fixtures of ../shared/fixtures/hf-parity (copied to test
 * resources): logits, per-token and per-sequence response log-probabilities, reward scores and
 * pooled columns, each within the fixture's tolerance, with the max difference in the message.
 *
 * <p>Not checked here: {@code greedy.*} (KvCacheTest checks the step logits, GreedyParityTest the
 * tokens and log-probabilities).
 */
class HfParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String name) throws Exception {
        return Path.of(HfParityTest.class.getResource("/hf-parity/" + name).toURI());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama-gqa", "llama-gqa-bf16", "llama-gqa-f16", "llama-gqa-sharded", "llama-gqa-bin",
            "llama-gqa-v5config",
            "llama-rope-linear", "mistral-sliding-window", "qwen2-bias-tied", "llama-reward"})
    void matchesTransformers(String name) throws Exception {
        check(name, fixture(name));
    }

    /** Configurations hf-parity lacks, against prefloop's own float64 reference (reference/README.md). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama-bias-llama3", "qwen2-sliding-yarn", "mistral-dynamic", "qwen2-reward-pad-eos"})
    void matchesTheNumpyReference(String name) throws Exception {
        check(name, Path.of(HfParityTest.class.getResource("/reference/" + name).toURI()));
    }

    private static void check(String name, Path dir) throws Exception {
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        JsonNode tol = exp.get("tolerances");
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray ids = m.create(longs(exp.get("input_ids")));
            NDArray mask = m.create(longs(exp.get("attention_mask")));
            NDArray pos = m.create(longs(exp.get("position_ids")));
            assertArrayEquals(pos.toLongArray(), LlamaModel.positionIds(mask).toLongArray(),
                    "position ids derived from the mask");
            int[] leftPad = ints(exp.get("num_left_pad"));
            if (exp.has("reward")) {
                checkReward(name, model, ids, mask, exp.get("reward"), tol);
            } else {
                checkCausal(name, model, ids, mask, pos, leftPad, exp, tol);
            }
        }
    }

    private static void checkCausal(String name, LlamaModel model, NDArray ids, NDArray mask, NDArray pos,
            int[] leftPad, JsonNode exp, JsonNode tol) {
        long[] shape = ids.getShape().getShape();
        int b = (int) shape[0];
        int t = (int) shape[1];
        int v = exp.get("vocab_size").asInt();
        NDArray logits = model.logits(ids, mask, pos);
        assertEquals(new Shape(b, t, v), logits.getShape());
        float[] got = logits.toFloatArray();
        double maxLogit = 0;
        for (int r = 0; r < b; r++) {
            JsonNode rows = exp.get("logits").get(r);
            for (int j = 0; j < rows.size(); j++) {
                int col = leftPad[r] + j;
                for (int k = 0; k < v; k++) {
                    double d = Math.abs(got[(r * t + col) * v + k] - rows.get(j).get(k).asDouble());
                    maxLogit = Math.max(maxLogit, d);
                }
            }
        }
        // Position ids left to the model (derived from the mask) give the same logits.
        float[] derived = model.logits(ids, mask, null).toFloatArray();
        double maxDerived = 0;
        for (int r = 0; r < b; r++) {
            for (int c = leftPad[r]; c < t; c++) {
                for (int k = 0; k < v; k++) {
                    maxDerived = Math.max(maxDerived, Math.abs(derived[(r * t + c) * v + k] - got[(r * t + c) * v + k]));
                }
            }
        }

        int[] promptLen = ints(exp.get("prompt_len"));
        long[][] response = new long[b][t];
        for (int r = 0; r < b; r++) {
            for (int c = leftPad[r] + promptLen[r]; c < t; c++) {
                response[r][c] = 1;
            }
        }
        NDArray responseMask = ids.getManager().create(response);
        float[] sums = model.responseLogps(ids, mask, responseMask).toFloatArray();
        float[] perToken = ResponseLogps.perToken(logits, ids).toFloatArray(); // (B, T-1)
        double maxSum = 0;
        double maxToken = 0;
        for (int r = 0; r < b; r++) {
            maxSum = Math.max(maxSum, Math.abs(sums[r] - exp.get("response_logps").get(r).asDouble()));
            JsonNode terms = exp.get("response_token_logps").get(r);
            for (int i = 0; i < terms.size(); i++) {
                int col = leftPad[r] + promptLen[r] + i; // the scored token's column
                maxToken = Math.max(maxToken, Math.abs(perToken[r * (t - 1) + col - 1] - terms.get(i).asDouble()));
            }
        }
        String report = String.format(Locale.ROOT,
                "%s: max |logits diff| %.3g, derived positions %.3g, |response logps diff| %.3g, token logps %.3g",
                name, maxLogit, maxDerived, maxSum, maxToken);
        System.out.println(report);
        assertTrue(maxLogit <= tol.get("logits_max_abs").asDouble(), report);
        assertTrue(maxDerived <= tol.get("logits_max_abs").asDouble(), report);
        assertTrue(maxSum <= tol.get("response_logps_abs").asDouble(), report);
        assertTrue(maxToken <= tol.get("token_logps_abs").asDouble(), report);
    }

    private static void checkReward(String name, LlamaModel model, NDArray ids, NDArray mask, JsonNode reward,
            JsonNode tol) {
        int labels = reward.get("num_labels").asInt();
        assertEquals(labels, model.config().num_labels());
        NDArray scores = model.scores(ids, mask);
        long b = ids.getShape().get(0);
        assertEquals(new Shape(b, labels), scores.getShape());
        float[] got = scores.toFloatArray();
        double maxScore = 0;
        for (int r = 0; r < b; r++) {
            for (int l = 0; l < labels; l++) {
                maxScore = Math.max(maxScore, Math.abs(got[r * labels + l] - reward.get("scores").get(r).get(l).asDouble()));
            }
        }
        long[] pooled = model.lastNonPadColumn(ids).toLongArray();
        String report = String.format(Locale.ROOT, "%s: max |scores diff| %.3g, pooled columns %s", name, maxScore,
                java.util.Arrays.toString(pooled));
        System.out.println(report);
        for (int r = 0; r < b; r++) {
            assertEquals(reward.get("pooled_column").get(r).asLong(), pooled[r], report);
        }
        assertTrue(maxScore <= tol.get("scores_abs").asDouble(), report);
    }

    static long[][] longs(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            out[r] = new long[rows.get(r).size()];
            for (int c = 0; c < out[r].length; c++) {
                out[r][c] = rows.get(r).get(c).asLong();
            }
        }
        return out;
    }

    static int[] ints(JsonNode row) {
        int[] out = new int[row.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = row.get(i).asInt();
        }
        return out;
    }
}
