package dev.prefloop.engine.djl.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.RandomInit;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.template.ChatRequest;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import dev.prefloop.engine.djl.weights.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init writes loadable, transformers-initialised, seed-deterministic model directories, idempotently. */
class InitServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static InitSettings preset(String name, Path out, long seed) {
        return new InitSettings(ModelPreset.parse(name), null, null, false, out, seed, false);
    }

    @Test
    void tinyLoadsWithTheBenchParameterCountAndTransformersInit() throws Exception {
        Path dir = tmp.resolve("tiny");
        InitResult r = new InitService().run(preset("tiny", dir, 0));
        assertEquals(4_999_424, r.parameters()); // bench README: 5.00 M
        assertEquals("LlamaForCausalLM", r.architecture());
        for (String f : new String[] {"config.json", "generation_config.json", "model.safetensors",
                InitService.MANIFEST}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals(688, config.get("intermediate_size").asInt());
        assertEquals(0.02, config.get("initializer_range").asDouble());
        assertEquals(3, JSON.readTree(dir.resolve("generation_config.json").toFile()).get("eos_token_id").asInt());
        try (LlamaModel m = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            assertEquals(4_999_424, m.parameterCount());
            float[] norm = m.parameters().get("model.layers.3.post_attention_layernorm.weight").toFloatArray();
            for (float v : norm) {
                assertEquals(1f, v);
            }
            assertNormal(m.parameters().get("model.embed_tokens.weight"), 0.02);
            assertNormal(m.parameters().get("model.layers.0.mlp.down_proj.weight"), 0.02);
        }
    }

    private static void assertNormal(NDArray a, double std) {
        float[] v = a.toFloatArray();
        double sum = 0;
        double sq = 0;
        double fourth = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
            fourth += Math.pow(x, 4);
        }
        double mean = sum / v.length;
        double var = sq / v.length - mean * mean;
        String msg = a.getName() + ": mean " + mean + ", std " + Math.sqrt(var);
        assertTrue(Math.abs(mean) < 5 * std / Math.sqrt(v.length), msg);
        assertEquals(std, Math.sqrt(var), std * 0.01, msg);
        assertEquals(3.0, fourth / v.length / (var * var), 0.05, msg + ": kurtosis of a normal is 3");
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() throws Exception {
        new InitService().run(preset("tiny", tmp.resolve("a"), 7));
        new InitService().run(preset("tiny", tmp.resolve("b"), 7));
        new InitService().run(preset("tiny", tmp.resolve("c"), 8));
        byte[] a = Files.readAllBytes(tmp.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(tmp.resolve("c/model.safetensors"))));
    }

    @Test
    void weightsDoNotDependOnTheThreadCount() throws Exception {
        DecoderConfig c = DecoderConfig.parse(InitService.presetConfig(ModelPreset.TINY, null, false), "tiny");
        Map<String, HostTensor> pooled = RandomInit.weights(c, 0.02, 3);
        Map<String, HostTensor> single = new ForkJoinPool(1).submit(() -> RandomInit.weights(c, 0.02, 3)).get();
        assertEquals(pooled.keySet(), single.keySet());
        for (String k : pooled.keySet()) {
            assertEquals(pooled.get(k).data(), single.get(k).data(), k);
        }
    }

    @Test
    void rerunIsANoOpAndAnotherRunNeedsForce() throws Exception {
        Path dir = tmp.resolve("m");
        new InitService().run(preset("tiny", dir, 1));
        long mtime = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        assertTrue(new InitService().run(preset("tiny", dir, 1)).upToDate());
        assertEquals(mtime, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());

        UsageException e = assertThrows(UsageException.class, () -> new InitService().run(preset("tiny", dir, 2)));
        assertTrue(e.getMessage().contains("pass --force"), e.getMessage());
        byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
        InitResult forced = new InitService().run(new InitSettings(ModelPreset.TINY, null, null, false, dir, 2, true));
        assertFalse(forced.upToDate());
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("model.safetensors"))));
    }

    @Test
    void qwen2TiedPresetHasZeroBiasesAndNoLmHead() throws Exception {
        Path dir = tmp.resolve("q");
        new InitService().run(new InitSettings(ModelPreset.TINY, null, "qwen2", true, dir, 0, false));
        try (LlamaModel m = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            assertEquals("qwen2", m.config().model_type());
            assertFalse(m.parameters().containsKey("lm_head.weight"));
            for (float v : m.parameters().get("model.layers.0.self_attn.k_proj.bias").toFloatArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void aRewardConfigGetsAScoreHeadAndAZeroPadRow() throws Exception {
        Path config = Path.of(InitServiceTest.class.getResource("/hf-parity/llama-reward/config.json").toURI());
        Path dir = tmp.resolve("rm");
        new InitService().run(new InitSettings(null, config, null, false, dir, 0, false));
        assertFalse(Files.exists(dir.resolve("generation_config.json")), "transformers writes none for a reward model");
        try (LlamaModel m = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            assertTrue(m.parameters().containsKey("score.weight"));
            int pad = (int) (long) m.config().pad_token_id();
            long c = m.config().hidden_size();
            float[] embed = m.parameters().get("model.embed_tokens.weight").toFloatArray();
            for (int i = 0; i < c; i++) {
                assertEquals(0f, embed[(int) (pad * c + i)]);
            }
        }
    }

    @Test
    void badConfigsFailWithoutOutput() throws Exception {
        Path config = tmp.resolve("gpt2.json");
        Files.writeString(config, "{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"]}");
        Path dir = tmp.resolve("out");
        ModelException e = assertThrows(ModelException.class,
                () -> new InitService().run(new InitSettings(null, config, null, false, dir, 0, false)));
        assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
        assertEquals(4, e.exitCode());
        assertFalse(Files.exists(dir));

        Files.writeString(config, "[1, 2]");
        UsageException u = assertThrows(UsageException.class,
                () -> new InitService().run(new InitSettings(null, config, null, false, dir, 0, false)));
        assertTrue(u.getMessage().contains("expected a JSON object"), u.getMessage());
        assertThrows(UsageException.class, () -> new InitSettings(ModelPreset.TINY, config, null, false, dir, 0, false));
        assertThrows(UsageException.class, () -> new InitSettings(null, config, "llama", false, dir, 0, false));
        assertThrows(UsageException.class, () -> new InitSettings(ModelPreset.TINY, null, "gpt2", false, dir, 0, false));
        assertThrows(UsageException.class, () -> ModelPreset.parse("huge"));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "only the config file: no output, no temporary directory");
        }
    }

    @Test
    void aPresetsTokenizerFitsItsVocabularyAndAgreesWithItsConfigs() throws Exception {
        Path dir = tmp.resolve("tiny");
        new InitService().run(preset("tiny", dir, 0));
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        JsonNode generation = JSON.readTree(dir.resolve("generation_config.json").toFile());
        JsonNode tc = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        int vocab = config.get("vocab_size").asInt();
        JsonNode tokenizerVocab = JSON.readTree(dir.resolve("tokenizer.json").toFile()).get("model").get("vocab");
        assertTrue(tokenizerVocab.size() > TinyTokenizerBuilder.MIN_VOCAB, "merges learned");
        assertTrue(tokenizerVocab.size() <= vocab, tokenizerVocab.size() + " tokens for a vocabulary of " + vocab);
        try (Tokenizer tok = Tokenizer.load(dir)) {
            // each special token of tokenizer_config.json is the id config.json and generation_config.json name
            for (String[] k : new String[][] {{"bos_token", "bos_token_id"}, {"eos_token", "eos_token_id"},
                    {"pad_token", "pad_token_id"}}) {
                long[] ids = tok.encode(tc.get(k[0]).asText(), false);
                assertEquals(1, ids.length, k[0]);
                assertEquals(config.get(k[1]).asLong(), ids[0], k[1]);
                assertEquals(config.get(k[1]).asLong(), generation.get(k[1]).asLong(), k[1]);
            }
            String text = "The sum of 17 and 25 is 42. Grüße, 世界 👋";
            long[] ids = tok.encode(text, true);
            assertEquals(config.get("bos_token_id").asLong(), ids[0]);
            for (long id : ids) {
                assertTrue(id < vocab, "id " + id);
            }
            assertEquals(text, tok.decode(ids, true));
            String chat = ChatTemplate.load(dir).render(new ChatRequest(List.of(Map.of("role", "user", "content", "hi")),
                    null, null, true, false, null, null));
            assertEquals("<|bos|><|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", chat);
        }
        Path again = tmp.resolve("again");
        new InitService().run(preset("tiny", again, 5));
        assertEquals(Files.readString(dir.resolve("tokenizer.json")), Files.readString(again.resolve("tokenizer.json")),
                "the tokenizer does not depend on the seed or the run");
    }
}
