package dev.prefloop.engine.djl.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * score --adapter against the PEFT fixtures: completion_logps (sums over the completion tokens) equal PeftModel's
 * response log-probabilities, a reward model's score equals PeftModel's with its modules_to_save head, and the
 * adapter's files are part of the run's identity.
 */
class ScoreAdapterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Path resource(String path) throws Exception {
        return Path.of(ScoreAdapterTest.class.getResource("/" + path).toURI());
    }

    private ScoreResult score(Path model, Path adapter, Path in, Path out, boolean force) {
        return new ScoreService(Progress.NONE).run(new ScoreSettings(model, adapter, in.toString(), out,
                ShardFormat.JSONL, false, false, 2, ScoreSettings.DEFAULT_MAX_TOKENS_PER_BATCH, DeviceSpec.CPU,
                ComputeDtype.FLOAT32, SliceSpec.ALL, force, TokenizationOptions.DEFAULT));
    }

    /** One prompt_ids + completion_ids record per row of the fixture's batch, split at {@code promptLen}. */
    private Path records(JsonNode exp, int[] promptLen) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < exp.get("input_ids").size(); b++) {
            List<Long> real = new ArrayList<>();
            for (int j = 0; j < exp.get("input_ids").get(b).size(); j++) {
                if (exp.get("attention_mask").get(b).get(j).asInt() == 1) {
                    real.add(exp.get("input_ids").get(b).get(j).asLong());
                }
            }
            ObjectNode r = JSON.createObjectNode();
            r.put("id", "r" + b);
            real.subList(0, promptLen[b]).forEach(r.putArray("prompt_ids")::add);
            real.subList(promptLen[b], real.size()).forEach(r.putArray("completion_ids")::add);
            sb.append(JSON.writeValueAsString(r)).append('\n');
        }
        Path p = tmp.resolve("in-" + Files.list(tmp).count() + ".jsonl");
        Files.writeString(p, sb.toString());
        return p;
    }


    @Test
    void completionLogpsEqualPeftsResponseLogps() throws Exception {
        Path adapter = resource("lora/peft-llama-gqa");
        JsonNode exp = JSON.readTree(adapter.resolve("expected.json").toFile());
        Path base = resource("hf-parity/llama-gqa");
        int[] promptLen = new int[3];
        for (int b = 0; b < 3; b++) {
            promptLen[b] = exp.get("prompt_len").get(b).asInt();
        }
        Path in = records(exp, promptLen);
        Path out = tmp.resolve("adapted");
        score(base, adapter, in, out, false);
        List<ObjectNode> got = ScoreServiceTest.read(out);
        for (int b = 0; b < 3; b++) {
            double want = exp.get("adapted").get("response_logps").get(b).asDouble();
            assertEquals(want, got.get(b).get("completion_logps").asDouble(), 1e-4, "row " + b);
        }
        List<ObjectNode> plain = read(tmp.resolve("base-out"), base, in);
        assertTrue(Math.abs(plain.get(0).get("completion_logps").asDouble()
                - got.get(0).get("completion_logps").asDouble()) > 1e-2, "the adapter changes the values");

        assertTrue(score(base, adapter, in, out, false).upToDate());
        // the same output directory without the adapter, or with another, is another run
        UsageException e = assertThrows(UsageException.class, () -> score(base, null, in, out, false));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        ModelException bad = assertThrows(ModelException.class,
                () -> score(base, tmp, in, tmp.resolve("x"), false));
        assertTrue(bad.getMessage().contains("adapter_config.json"), bad.getMessage());
        ModelException other = assertThrows(ModelException.class, () -> score(base,
                resource("lora/peft-mistral-layers"), in, tmp.resolve("y"), false));
        assertTrue(other.getMessage().contains("lora_B"), other.getMessage());
    }

    private List<ObjectNode> read(Path out, Path base, Path in) {
        score(base, null, in, out, false);
        return ScoreServiceTest.read(out);
    }

    @Test
    void rewardModelScoresEqualPeftsWithTheAdaptersScoreHead() throws Exception {
        Path adapter = resource("lora/peft-llama-reward");
        JsonNode exp = JSON.readTree(adapter.resolve("expected.json").toFile());
        Path in = records(exp, new int[] {1, 1, 1});
        Path out = tmp.resolve("rm");
        score(resource("hf-parity/llama-reward"), adapter, in, out, false);
        List<ObjectNode> got = ScoreServiceTest.read(out);
        for (int b = 0; b < 3; b++) {
            double want = exp.get("adapted").get("scores").get(b).get(0).asDouble();
            assertEquals(want, got.get(b).get("score").asDouble(), 1e-4, "row " + b);
        }
    }
}
