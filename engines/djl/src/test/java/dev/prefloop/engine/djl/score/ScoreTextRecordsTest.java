package dev.prefloop.engine.djl.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import dev.prefloop.engine.djl.text.tokenize.TokenizeService;
import dev.prefloop.engine.djl.text.tokenize.TokenizeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * score on text records equals score on the same records tokenized by {@code prefloop tokenize}:
 * standard and conversational records, every record kind, truncation counted; ids a record carries
 * win; a model directory without a tokenizer is a model error (exit 4) with no output.
 */
class ScoreTextRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path model;

    /** A small random llama (vocab 512) with a tiny BPE tokenizer of 400 tokens in the same directory. */
    @BeforeAll
    static void makeModel() throws Exception {
        Path config = shared.resolve("config.json");
        Files.writeString(config, "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
                + " \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 512,"
                + " \"max_position_embeddings\": 256, \"rms_norm_eps\": 1e-6, \"pad_token_id\": 0}");
        model = shared.resolve("model");
        new InitService().run(new InitSettings(null, config, null, false, model, 7, false));
        TinyTokenizerBuilder.write(model, 400, TinyTokenizerBuilder.builtInCorpus());
    }

    private Path write(String name, String... lines) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    private ScoreResult score(Path m, Path in, Path out, TokenizationOptions options) {
        return new ScoreService(Progress.NONE).run(new ScoreSettings(m, null, in.toString(), out, ShardFormat.JSONL, true,
                false, 4, ScoreSettings.DEFAULT_MAX_TOKENS_PER_BATCH, DeviceSpec.CPU, ComputeDtype.FLOAT32,
                SliceSpec.ALL, false, options));
    }

    private Path tokenize(Path in, TokenizationOptions options) {
        Path out = tmp.resolve("tokenized");
        new TokenizeService(Progress.NONE).run(new TokenizeSettings(in.toString(), out, model, ShardFormat.JSONL,
                SliceSpec.ALL, options, false, false));
        return out;
    }

    private static List<ObjectNode> read(Path dir) {
        List<ObjectNode> out = new ArrayList<>();
        try (DatasetReader r = new DatasetReader(DatasetLocator.locate(dir.toString()), SliceSpec.ALL)) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    /** Every score column of {@code direct} equals the one scored from the tokenized record. */
    private static void assertSameScores(List<ObjectNode> direct, List<ObjectNode> viaTokenize) {
        assertEquals(viaTokenize.size(), direct.size());
        int columns = 0;
        for (int i = 0; i < direct.size(); i++) {
            for (Iterator<String> it = direct.get(i).fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (f.endsWith("logps")) {
                    assertEquals(viaTokenize.get(i).get(f), direct.get(i).get(f), "record " + i + ", " + f);
                    columns++;
                }
            }
        }
        assertTrue(columns >= direct.size(), "every record got scores");
    }

    private static final String[] STANDARD = {
        "{\"id\": \"c\", \"prompt\": \"The capital of France is\", \"completion\": \" Paris.\"}",
        "{\"id\": \"p\", \"prompt\": \"2 + 3 =\", \"chosen\": \" 5\", \"rejected\": \" 6, I think\"}",
        "{\"id\": \"k\", \"prompt\": \"Name a colour:\", \"completions\": [\" red\", \" dark blue\", \" green\"]}",
        "{\"id\": \"i\", \"prompt\": \"Write a letter:\", \"chosen\": \" é ü\", \"rejected\": \" ß\"}"
    };

    @Test
    void standardTextRecordsScoreAsTheirTokenizedForm() throws Exception {
        Path in = write("text.jsonl", STANDARD);
        ScoreResult direct = score(model, in, tmp.resolve("direct"), TokenizationOptions.DEFAULT);
        assertEquals(4, direct.records());
        assertEquals(4, direct.tokenized().get("records"));
        ScoreResult ids = score(model, tokenize(in, TokenizationOptions.DEFAULT), tmp.resolve("ids"),
                TokenizationOptions.DEFAULT);
        assertTrue(ids.tokenized().isEmpty(), "tokenized records carry their ids");
        assertEquals(ids.tokens(), direct.tokens());
        List<ObjectNode> d = read(tmp.resolve("direct"));
        assertSameScores(d, read(tmp.resolve("ids")));
        assertEquals(3, d.get(2).get("logps").size());
        assertFalse(d.get(0).has("prompt_ids"), "score adds scores, not ids");
        assertEquals("The capital of France is", d.get(0).get("prompt").asText());
    }

    @Test
    void conversationalRecordsScoreAsTheirTokenizedForm() throws Exception {
        Path in = write("chat.jsonl",
                "{\"id\": \"m\", \"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\","
                        + " \"content\": \"What is 2 + 2?\"}], \"chosen\": [{\"role\": \"assistant\", \"content\":"
                        + " \"4\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"Five.\"}]}",
                "{\"id\": \"n\", \"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\":"
                        + " [{\"role\": \"assistant\", \"content\": \"Hello there!\"}]}");
        ScoreResult direct = score(model, in, tmp.resolve("direct"), TokenizationOptions.DEFAULT);
        score(model, tokenize(in, TokenizationOptions.DEFAULT), tmp.resolve("ids"), TokenizationOptions.DEFAULT);
        assertEquals(2, direct.tokenized().get("records"));
        assertSameScores(read(tmp.resolve("direct")), read(tmp.resolve("ids")));
        List<ObjectNode> tokenized = read(tmp.resolve("tokenized"));
        // the prompt ends with the generation prompt; the completion is the assistant turn after it
        assertTrue(tokenized.get(0).get("prompt_text").asText().endsWith("<|im_start|>assistant\n"));
        assertEquals("4<|im_end|>\n", tokenized.get(0).get("chosen_text").asText());
    }

    @Test
    void truncationIsCountedAndScoresTheSameTokens() throws Exception {
        Path in = write("text.jsonl", STANDARD);
        TokenizationOptions limits = new TokenizationOptions(3, 2, null, null);
        ScoreResult direct = score(model, in, tmp.resolve("direct"), limits);
        score(model, tokenize(in, limits), tmp.resolve("ids"), TokenizationOptions.DEFAULT);
        assertSameScores(read(tmp.resolve("direct")), read(tmp.resolve("ids")));
        Map<String, Long> counts = direct.tokenized();
        assertEquals(4, counts.get("prompts_truncated"), counts.toString());
        assertTrue(counts.get("completions_truncated") >= 3, counts.toString());
        assertTrue(counts.get("prompt_tokens_dropped") > 0, counts.toString());
        JsonNode manifest = JSON.readTree(tmp.resolve("direct").resolve("_manifest.json").toFile());
        assertTrue(manifest.toString().contains("\"tokenized_prompts_truncated\":4"), manifest.toString());
        assertTrue(manifest.toString().contains("prompts truncated from the left"), manifest.toString());
        // every completion kept at most 2 tokens: per-token lists show it
        for (ObjectNode r : read(tmp.resolve("direct"))) {
            if (r.has("chosen_token_logps")) {
                assertTrue(r.get("chosen_token_logps").size() <= 2, r.toString());
            }
        }
    }

    @Test
    void idsARecordCarriesWin() throws Exception {
        Path in = write("mixed.jsonl", "{\"id\": \"x\", \"prompt\": \"ignored text\", \"prompt_ids\": [1, 40, 41],"
                + " \"completion\": \"also ignored\", \"completion_ids\": [42, 3]}");
        ScoreResult r = score(model, in, tmp.resolve("direct"), TokenizationOptions.DEFAULT);
        assertTrue(r.tokenized().isEmpty());
        assertEquals(5, r.tokens());
        assertEquals(2, read(tmp.resolve("direct")).get(0).get("completion_token_logps").size());
    }

    @Test
    void textRecordsNeedATokenizerInTheModelDirectory() throws Exception {
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(model.resolve(f), bare.resolve(f));
        }
        Path in = write("text.jsonl", "{\"prompt_ids\": [1, 2], \"completion_ids\": [3]}", STANDARD[1]);
        Path out = tmp.resolve("out");
        ModelException e = assertThrows(ModelException.class, () -> score(bare, in, out, TokenizationOptions.DEFAULT));
        assertEquals(4, e.exitCode());
        assertTrue(e.getMessage().contains("text.jsonl, line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("no tokenizer.json"), e.getMessage());
        assertFalse(Files.exists(out), "no partial output");
        // ids alone still need no tokenizer
        Path ids = write("ids.jsonl", "{\"prompt_ids\": [1, 2], \"completion_ids\": [3]}");
        assertEquals(1, score(bare, ids, tmp.resolve("ok"), TokenizationOptions.DEFAULT).records());
    }
}
