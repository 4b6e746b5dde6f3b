package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Base + adapter against PEFT 0.21 on transformers 5.17 (the fixtures of src/test/resources/lora, made by
 * src/test/python/make_lora_fixtures.py): logits and response log-probabilities, or reward scores, within 1e-4.
 * The fixtures cover every projection with rank_pattern and alpha_pattern, a regex target with rsLoRA in
 * adapter_model.bin, layers_to_transform, and a reward model whose score head is a modules_to_save tensor.
 */
public class LoraParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path resource(String path) throws Exception {
        return Path.of(LoraParityTest.class.getResource("/" + path).toURI());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"peft-llama-gqa", "peft-qwen2-rslora-bin", "peft-mistral-layers", "peft-llama-reward"})
    void baseWithAdapterMatchesPeft(String name) throws Exception {
        Path dir = resource("lora/" + name);
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        Path base = resource("hf-parity/" + exp.get("base_fixture").asText());
        try (LlamaModel model = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, model);
                NDManager m = TorchRuntime.engine().newBaseManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            LlamaModel adapted = model.withAdapter(adapter);
            String report = compare(name, adapted, m, exp, exp.get("adapted"));
            System.out.println(report);
            // The view leaves the base model as it was.
            assertTrue(adapted.parameters().size() == model.parameters().size(), report);
        }
    }

    /** Max differences of the model's outputs against {@code want}; asserts the fixture's tolerances. */
    public static String compare(String name, LlamaModel model, NDManager m, JsonNode exp, JsonNode want) {
        JsonNode tol = exp.get("tolerances");
        NDArray ids = m.create(HfParityTest.longs(exp.get("input_ids")));
        NDArray mask = m.create(HfParityTest.longs(exp.get("attention_mask")));
        NDArray pos = m.create(HfParityTest.longs(exp.get("position_ids")));
        int b = (int) ids.getShape().get(0);
        int t = (int) ids.getShape().get(1);
        if (want.has("scores")) {
            float[] got = model.scores(ids, mask).toFloatArray();
            double max = 0;
            for (int r = 0; r < b; r++) {
                max = Math.max(max, Math.abs(got[r] - want.get("scores").get(r).get(0).asDouble()));
            }
            String report = String.format(Locale.ROOT, "%s: max |score diff| %.3g", name, max);
            assertTrue(max <= tol.get("scores_abs").asDouble(), report);
            return report;
        }
        int[] leftPad = HfParityTest.ints(exp.get("num_left_pad"));
        int[] promptLen = HfParityTest.ints(exp.get("prompt_len"));
        NDArray logits = model.logits(ids, mask, pos);
        int v = (int) logits.getShape().get(2);
        float[] got = logits.toFloatArray();
        double maxLogit = 0;
        for (int r = 0; r < b; r++) {
            JsonNode rows = want.get("logits").get(r);
            assertEquals(t - leftPad[r], rows.size());
            for (int j = 0; j < rows.size(); j++) {
                for (int k = 0; k < v; k++) {
                    double d = Math.abs(got[(r * t + leftPad[r] + j) * v + k] - rows.get(j).get(k).asDouble());
                    maxLogit = Math.max(maxLogit, d);
                }
            }
        }
        long[][] response = new long[b][t];
        for (int r = 0; r < b; r++) {
            for (int c = leftPad[r] + promptLen[r]; c < t; c++) {
                response[r][c] = 1;
            }
        }
        float[] sums = model.responseLogps(ids, mask, m.create(response)).toFloatArray();
        double maxSum = 0;
        for (int r = 0; r < b; r++) {
            maxSum = Math.max(maxSum, Math.abs(sums[r] - want.get("response_logps").get(r).asDouble()));
        }
        String report = String.format(Locale.ROOT, "%s: max |logits diff| %.3g, |response logps diff| %.3g", name,
                maxLogit, maxSum);
        assertTrue(maxLogit <= tol.get("logits_max_abs").asDouble(), report);
        assertTrue(maxSum <= tol.get("response_logps_abs").asDouble(), report);
        return report;
    }
}
