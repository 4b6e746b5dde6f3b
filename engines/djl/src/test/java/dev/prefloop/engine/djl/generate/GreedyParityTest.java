package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Generator's greedy continuations equal the {@code greedy} field of every causal-LM fixture
 * in hf-parity: the prompts (different lengths, so left padding is exercised) decoded as one batch
 * with the fixture's EOS id live; tokens identical, log-probability sums within 8 x 1e-4.
 */
class GreedyParityTest {

    static LlamaModel load(Path dir) {
        return LlamaModel.load(dir, DecoderConfig.read(dir), Device.cpu(), DataType.FLOAT32);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama-gqa", "llama-gqa-bf16", "llama-gqa-f16", "llama-gqa-sharded", "llama-gqa-bin",
            "llama-gqa-v5config", "llama-rope-linear", "mistral-sliding-window", "qwen2-bias-tied"})
    void greedyEqualsTheFixture(String name) throws Exception {
        Path dir = Fixtures.dir(name);
        JsonNode exp = Fixtures.expected(dir);
        JsonNode greedy = exp.get("greedy");
        List<GenerationRequest> requests = new ArrayList<>();
        List<long[]> rows = Fixtures.realRows(exp);
        for (int r = 0; r < rows.size(); r++) {
            requests.add(new GenerationRequest("row" + r, 0, rows.get(r)));
        }
        Set<Long> eos = GenerationConfig.read(dir).eos_token_ids();
        assertEquals(Set.of(2L), eos);
        try (LlamaModel model = load(dir)) {
            Generator g = Generator.single(model, SamplingSettings.greedy(greedy.get("max_new_tokens").asInt()), eos, null);
            List<Generation> out = g.generate(requests);
            double maxLogp = 0;
            for (int r = 0; r < rows.size(); r++) {
                Generation gen = out.get(r);
                assertArrayEquals(Fixtures.longs(greedy.get("tokens").get(r)), gen.tokens(), name + " row " + r);
                assertEquals(FinishReason.LENGTH, gen.finish());
                double expected = greedy.get("sum_logps").get(r).asDouble();
                maxLogp = Math.max(maxLogp, Math.abs(gen.modelLogps()[0] - expected));
                // Greedy with no processor: the sampling distribution is the model's.
                assertEquals(gen.modelLogps()[0], gen.sampleLogp(), 1e-6);
            }
            String report = String.format(Locale.ROOT, "%s: max |sum logps - fixture| %.3g", name, maxLogp);
            System.out.println(report);
            assertTrue(maxLogp <= 8e-4, report);
        }
    }
}
