package dev.prefloop.engine.djl.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.judge.BradleyTerry;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.judge.JudgeSpec;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.Response;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.core.label.LabelMode;
import dev.prefloop.core.label.LabelResult;
import dev.prefloop.core.label.LabelService;
import dev.prefloop.core.label.LabelSettings;
import dev.prefloop.core.label.Pairing;
import dev.prefloop.core.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rm:DIR against the hf-parity reward fixture: scores equal transformers' within the fixture's tolerance. */
class RewardModelJudgeTest {

    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(RewardModelJudgeTest.class.getResource("/hf-parity/" + name).toURI());
    }

    static JudgeOptions cpu() {
        return new JudgeOptions(null, "X", null, false, false, Duration.ofSeconds(30), 1, 0, Duration.ofSeconds(1), null,
                "cpu", "float32", false, Map.of());
    }

    /** Row r of the fixture without its left padding. */
    static long[] row(JsonNode exp, int r) {
        JsonNode ids = exp.get("input_ids").get(r);
        int pad = exp.get("num_left_pad").get(r).asInt();
        long[] out = new long[ids.size() - pad];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(pad + i).asLong();
        }
        return out;
    }

    @Test
    void scoresTokenIdsLikeTransformers() throws Exception {
        Path dir = fixture("llama-reward");
        JsonNode exp = JsonCodec.mapper().readTree(dir.resolve("expected.json").toFile());
        double tol = exp.get("tolerances").get("scores_abs").asDouble();
        try (PointwiseJudge j = (PointwiseJudge) JudgeRegistry.load().open(JudgeSpec.parse("rm:" + dir), cpu())) {
            List<ScoreRequest> rs = new java.util.ArrayList<>();
            for (int r = 0; r < 3; r++) {
                long[] ids = row(exp, r);
                // Split anywhere: the model sees prompt + response as one sequence.
                rs.add(new ScoreRequest("r" + r, new TextNode("p"), Arrays.copyOf(ids, 3),
                        new Response("text", Arrays.copyOfRange(ids, 3, ids.length))));
            }
            double[] s = j.score(rs);
            for (int r = 0; r < 3; r++) {
                double want = exp.get("reward").get("scores").get(r).get(0).asDouble();
                assertEquals(want, s[r], tol, "row " + r);
            }
        }
    }

    @Test
    void labelsCandidatesWithTokenIdsAndNeedsATokenizerForText() throws Exception {
        Path dir = fixture("llama-reward");
        JsonNode exp = JsonCodec.mapper().readTree(dir.resolve("expected.json").toFile());
        long[] a = row(exp, 0);
        long[] c = row(exp, 2);
        ObjectNode rec = JsonCodec.mapper().createObjectNode();
        rec.put("id", "x");
        rec.put("prompt", "p");
        rec.putArray("prompt_ids").add(1);
        rec.putArray("completions").add("first").add("third");
        var ci = rec.putArray("completions_ids");
        var c0 = ci.addArray();
        Arrays.stream(a).skip(1).forEach(c0::add);
        var c1 = ci.addArray();
        Arrays.stream(c).skip(1).forEach(c1::add);
        Path in = tmp.resolve("cand.jsonl");
        Files.writeString(in, rec + "\n");
        Path out = tmp.resolve("pairs");
        LabelSettings s = new LabelSettings(in.toString(), out.toString(), ShardFormat.JSONL, JudgeSpec.parse("rm:" + dir),
                cpu(), Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, 0, 4, SliceSpec.ALL, false, false);
        LabelResult r = new LabelService(Progress.NONE, JudgeRegistry.load()).run(s);
        assertEquals(1, r.pairs());
        ObjectNode pair;
        try (DatasetReader rd = new DatasetReader(DatasetLocator.locate(out.toString()), SliceSpec.ALL)) {
            pair = rd.next();
        }
        double s0 = exp.get("reward").get("scores").get(0).get(0).asDouble();
        double s2 = exp.get("reward").get("scores").get(2).get(0).asDouble();
        double tol = exp.get("tolerances").get("scores_abs").asDouble();
        assertEquals(Math.max(s0, s2), pair.get("score_chosen").asDouble(), tol);
        assertEquals(Math.min(s0, s2), pair.get("score_rejected").asDouble(), tol);
        assertEquals(BradleyTerry.p(Math.max(s0, s2), Math.min(s0, s2)), pair.get("p_chosen").asDouble(), 1e-3);
        assertTrue(pair.has("chosen_ids") && pair.has("rejected_ids"));

        rec.remove("completions_ids");
        Files.writeString(in, rec + "\n");
        LabelSettings text = new LabelSettings(in.toString(), tmp.resolve("p2").toString(), ShardFormat.JSONL,
                JudgeSpec.parse("rm:" + dir), cpu(), Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, 0, 4, SliceSpec.ALL,
                false, false);
        // text candidates need the reward model's tokenizer, which this fixture lacks
        ModelException e = assertThrows(ModelException.class,
                () -> new LabelService(Progress.NONE, JudgeRegistry.load()).run(text));
        assertEquals(4, e.exitCode());
        assertTrue(e.getMessage().contains("request 'x/0' is text") && e.getMessage().contains("no tokenizer.json"),
                e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("p2")), "no output");
    }

    @Test
    void aCausalLmIsNotARewardModel() throws Exception {
        ModelException e = assertThrows(ModelException.class,
                () -> JudgeRegistry.load().open(JudgeSpec.parse("rm:" + fixture("llama-gqa")), cpu()));
        assertTrue(e.getMessage().contains("not a *ForSequenceClassification"), e.getMessage());
    }
}
