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
import dev.prefloop.core.judge.JudgeException;
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
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rm:DIR on text: a conversation is scored as the chat template's rendering of prompt + the
 * assistant response (no generation prompt, no added special tokens), plain text as prompt +
 * response with the tokenizer's special tokens, each equal to scoring those ids directly; label
 * runs on text candidates.
 */
class RewardModelTextTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path rm;

    /** A random llama reward model (vocab 512, pad 0, one label) with a tiny BPE tokenizer. */
    @BeforeAll
    static void makeRewardModel() throws Exception {
        Path config = shared.resolve("config.json");
        Files.writeString(config, "{\"architectures\": [\"LlamaForSequenceClassification\"], \"model_type\": \"llama\","
                + " \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 512, \"num_labels\": 1,"
                + " \"max_position_embeddings\": 256, \"rms_norm_eps\": 1e-6, \"pad_token_id\": 0}");
        rm = shared.resolve("rm");
        new InitService().run(new InitSettings(null, config, null, false, rm, 11, false));
        TinyTokenizerBuilder.write(rm, 400, TinyTokenizerBuilder.builtInCorpus());
    }

    private static PointwiseJudge open() {
        return (PointwiseJudge) JudgeRegistry.load().open(JudgeSpec.parse("rm:" + rm), RewardModelJudgeTest.cpu());
    }

    /** A request of ids split after the first token (the model reads the concatenation). */
    private static ScoreRequest ids(String id, long[] all) {
        return new ScoreRequest(id, new TextNode("unused"), Arrays.copyOf(all, 1),
                new Response("unused", Arrays.copyOfRange(all, 1, all.length)));
    }

    private static JsonNode messages(String json) throws Exception {
        return JsonCodec.mapper().readTree(json);
    }

    @Test
    void textScoresEqualTheScoresOfTheirTokens() throws Exception {
        JsonNode chat = messages("[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\","
                + " \"content\": \"What is 2 + 2?\"}]");
        // the reward model's ChatML, by hand: the assistant turn closed, no generation prompt after it
        String rendered = "<|bos|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                + "<|im_start|>assistant\n4<|im_end|>\n";
        List<ScoreRequest> text = List.of(
                new ScoreRequest("chat", chat, null, Response.text("4")),
                new ScoreRequest("plain", new TextNode("2 + 2 ="), null, Response.text(" 4")),
                new ScoreRequest("long", new TextNode("A longer prompt, so that the batch is padded:"), null,
                        Response.text(" and a longer answer too.")));
        List<ScoreRequest> tokens;
        try (Tokenizer tok = Tokenizer.load(rm)) {
            long[] chatIds = tok.encode(rendered, false);
            long[] plainIds = tok.encode("2 + 2 = 4", true);
            assertEquals(1, plainIds[0], "plain text gets bos");
            tokens = List.of(ids("chat", chatIds), ids("plain", plainIds),
                    ids("long", tok.encode("A longer prompt, so that the batch is padded: and a longer answer too.", true)));
        }
        try (PointwiseJudge j = open()) {
            double[] fromText = j.score(text);
            double[] fromIds = j.score(tokens);
            for (int i = 0; i < 3; i++) {
                assertEquals(fromIds[i], fromText[i], 1e-5, text.get(i).id());
                // alone (no padding) as in the batch
                assertEquals(fromText[i], j.score(List.of(text.get(i)))[0], 1e-4, text.get(i).id() + " alone");
            }
            assertTrue(fromText[0] != fromText[1]);
        }
    }

    @Test
    void aRequestWithoutPromptIsAnError() {
        try (PointwiseJudge j = open()) {
            JudgeException e = assertThrows(JudgeException.class,
                    () -> j.score(List.of(new ScoreRequest("x/0", null, null, Response.text("hi")))));
            assertTrue(e.getMessage().contains("request 'x/0'"), e.getMessage());
        }
    }

    @Test
    void labelsTextCandidates() throws Exception {
        ObjectNode rec = JsonCodec.mapper().createObjectNode();
        rec.put("id", "q1");
        rec.set("prompt", messages("[{\"role\": \"user\", \"content\": \"Name a colour.\"}]"));
        rec.putArray("completions").add("Red.").add("Blue, I think.").add("Green");
        Path in = tmp.resolve("cand.jsonl");
        Files.writeString(in, rec + "\n");
        Path out = tmp.resolve("pairs");
        LabelSettings s = new LabelSettings(in.toString(), out.toString(), ShardFormat.JSONL, JudgeSpec.parse("rm:" + rm),
                RewardModelJudgeTest.cpu(), Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, 0, 4, SliceSpec.ALL, false,
                false);
        LabelResult r = new LabelService(Progress.NONE, JudgeRegistry.load()).run(s);
        assertEquals(1, r.pairs());
        ObjectNode pair;
        try (DatasetReader rd = new DatasetReader(DatasetLocator.locate(out.toString()), SliceSpec.ALL)) {
            pair = rd.next();
        }
        double[] scores;
        try (PointwiseJudge j = open()) {
            List<ScoreRequest> rs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rs.add(new ScoreRequest("q1/" + i, rec.get("prompt"), null, Response.text(rec.get("completions").get(i)
                        .asText())));
            }
            scores = j.score(rs);
        }
        double best = Arrays.stream(scores).max().getAsDouble();
        double worst = Arrays.stream(scores).min().getAsDouble();
        assertEquals(best, pair.get("score_chosen").asDouble(), 1e-5);
        assertEquals(worst, pair.get("score_rejected").asDouble(), 1e-5);
    }
}
