package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XPO in training: the reference's completion from the pairs' generators, the optimism term, data errors. */
class XpoTrainingTest {

    @TempDir
    Path tmp;

    private static ObjectNode record(String json) throws Exception {
        return (ObjectNode) JsonCodec.mapper().readTree(json);
    }

    @Test
    void theReferenceSideComesFromLabelsFieldsOrAGeneratorsPair() throws Exception {
        assertEquals(1f, PairSource.of(record("{\"generator_chosen\": \"ref\", \"generator_rejected\": \"pi\"}"), "f:1")
                .chosenFromReference());
        assertEquals(0f, PairSource.of(record("{\"generators\": [\"pi\", \"ref\"]}"), "f:1").chosenFromReference());
        PairSource none = PairSource.of(record("{}"), "f, line 3");
        assertNull(none.chosen());
        DataException missing = assertThrows(DataException.class, none::chosenFromReference);
        assertTrue(missing.getMessage().startsWith("f, line 3: --loss xpo needs")
                && missing.getMessage().contains("'generator_chosen'"), missing.getMessage());
        DataException both = assertThrows(DataException.class, () -> PairSource.of(
                record("{\"generators\": [\"ref\", \"ref\"]}"), "f, line 4").chosenFromReference());
        assertTrue(both.getMessage().contains("exactly one completion from the reference"), both.getMessage());
        DataException shape = assertThrows(DataException.class,
                () -> PairSource.of(record("{\"generators\": [\"pi\", \"pi+\", \"ref\"]}"), "f, line 5"));
        assertTrue(shape.getMessage().startsWith("f, line 5: field 'generators'"), shape.getMessage());
        DataException type = assertThrows(DataException.class,
                () -> PairSource.of(record("{\"generator_chosen\": 3}"), "f, line 6"));
        assertTrue(type.getMessage().startsWith("f, line 6: field 'generator_chosen'"), type.getMessage());
    }

    @Test
    void theOptimismTermFallsOnTheSideTheReferenceGenerated() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 31);
        List<TokenizedPair> pairs = SyntheticData.pairs(6, 32);
        int[] examples = {0, 1, 2, 3, 4, 5};
        LossSettings s = new LossSettings.Builder().set("xpo_alpha", "1").build();
        try (LlamaModel policy = LlamaModel.load(model, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager(policy.device())) {
            ReferenceTable ref = ReferenceLogps.compute(policy, pairs, 8, 0, 0, Progress.NONE);
            float[] chosenSide = new float[6];
            Arrays.fill(chosenSide, 1f);
            TrainingObjective.Micro c = new PreferenceObjective(pairs, ref, LossRegistry.create("xpo", s), false, 0,
                    PairLayout.SHARED_PROMPT).markReferenceResponses(chosenSide).compute(policy, examples, m);
            TrainingObjective.Micro r = new PreferenceObjective(pairs, ref, LossRegistry.create("xpo", s), false, 0,
                    PairLayout.SHARED_PROMPT).markReferenceResponses(new float[6]).compute(policy, examples, m);
            // Policy = reference: the DPO part is log 2 per pair, the rest alpha x the marked side's logp.
            double meanChosen = c.metrics().get("logps/chosen");
            double meanRejected = c.metrics().get("logps/rejected");
            assertEquals(6 * (Math.log(2) + meanChosen), c.lossSum().getFloat(), 1e-3);
            assertEquals(6 * (Math.log(2) + meanRejected), r.lossSum().getFloat(), 1e-3);
            assertEquals(meanChosen, c.metrics().get("loss/xpo"), 1e-4);
        }
    }

    @Test
    void aRunTrainsOnHybridPairsAndRefusesPairsWithoutProvenanceBeforeWriting() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 33);
        List<TokenizedPair> hybrid = new ArrayList<>();
        int i = 0;
        for (TokenizedPair p : SyntheticData.pairs(16, 34)) {
            boolean refChosen = i++ % 2 == 0;
            hybrid.add(p.withSource(new PairSource(refChosen ? "ref" : "pi", refChosen ? "pi" : "ref", null)));
        }
        Path data = SyntheticData.writePairs(tmp.resolve("hybrid.jsonl"), hybrid);
        Path out = tmp.resolve("out");
        TrainResult r = new PreferenceTraining(Progress.NONE).run(settings(model, data, out));
        assertEquals(4, r.steps());
        JsonNode last = JsonCodec.mapper().readTree(Files.readAllLines(out.resolve(MetricsLog.FILE)).get(1));
        assertTrue(last.has("loss/xpo") && last.has("loss/dpo") && last.has("rewards/margins"), last.toString());

        Path plain = SyntheticData.writePairs(tmp.resolve("plain.jsonl"), SyntheticData.pairs(4, 35));
        Path refused = tmp.resolve("refused");
        DataException e = assertThrows(DataException.class,
                () -> new PreferenceTraining(Progress.NONE).run(settings(model, plain, refused)));
        assertTrue(e.getMessage().contains("plain.jsonl") && e.getMessage().contains("generator_chosen"), e.getMessage());
        assertFalse(Files.exists(refused), "no output");
    }

    private static PreferenceTrainingSettings settings(Path model, Path data, Path out) {
        TrainingArguments a = TrainingArguments.from(Map.of("learning_rate", "1e-3", "max_steps", "4", "batch_size", "4",
                "save_steps", "0", "logging_steps", "2"), false);
        return new PreferenceTrainingSettings(model, null, data.toString(), out, "cpu", a, List.of("xpo"), null, false,
                Double.NaN, Double.NaN, new LossSettings.Builder().set("xpo_alpha", "1e-3").build(),
                TokenizationOptions.DEFAULT, false, false);
    }
}
