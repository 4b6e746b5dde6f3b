package dev.prefloop.engine.djl.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.Manifests;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.model.RandomInit;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.ShardPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitService writes a randomly initialised Hugging Face model directory (config.json,
 * generation_config.json, model.safetensors, {@value #MANIFEST} and, for a preset, a
 * {@link TinyTokenizerBuilder} tokenizer learned from its built-in corpus) through
 * {@link HfCheckpointWriter}, so the directory appears whole or not at all.
 *
 * <p>The manifest is {@value #MANIFEST}, not {@code _manifest.json}: a model directory is not a
 * dataset, and this name cannot be mistaken for a dataset shard's manifest by a verb that lists
 * directories. transformers ignores unknown files in a model directory.
 */
public final class InitService {

    /** The manifest file inside the written model directory. */
    public static final String MANIFEST = "prefloop_manifest.json";

    private static final Logger LOG = LoggerFactory.getLogger(InitService.class);
    private static final ObjectMapper JSON = JsonCodec.mapper();

    /** Runs init. */
    public InitResult run(InitSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        ObjectNode config = s.preset() != null ? presetConfig(s.preset(), s.modelType(), s.tie()) : readConfig(s.configFile());
        String where = s.configFile() != null ? s.configFile().toString() : "--preset " + s.preset().label();
        DecoderConfig decoder = DecoderConfig.parse(config, where);
        double range = config.path("initializer_range").asDouble(0.02);
        if (!(range > 0) || !Double.isFinite(range)) {
            throw new ModelException(where + ": initializer_range must be a positive number, got "
                    + config.get("initializer_range"));
        }

        Map<String, Object> options = new LinkedHashMap<>();
        options.put("preset", s.preset() == null ? null : s.preset().label());
        options.put("config", config);
        TinyTokenizerBuilder.Built tokenizer = s.preset() == null ? null
                : TinyTokenizerBuilder.build(s.preset().vocab, TinyTokenizerBuilder.builtInCorpus());
        // the tokenizer's identity is its size; its files follow from the built-in corpus, which the version pins
        options.put("tokenizer", tokenizer == null ? null : "tiny-bpe-" + tokenizer.summary().vocabSize());
        Manifest planned = Manifest.planned("init", PrefloopVersion.get(), options, List.of(), List.of(), s.seed(), null);
        if (!s.force() && planned.sameRunAs(Manifests.readFile(s.out().resolve(MANIFEST)).orElse(null))) {
            LOG.info("{} is up to date (same config, seed and prefloop version); --force redoes it", s.out());
            return new InitResult(true, s.out().toString(), decoder.architecture(), -1, seconds(t0));
        }
        if (!s.force() && Manifests.hasVisibleFiles(s.out())) {
            throw new UsageException("--out " + s.out() + ": already holds files of another run or model; pass --force"
                    + " to replace it");
        }
        if (Files.exists(s.out()) && !Files.isDirectory(s.out())) {
            throw new UsageException("--out " + s.out() + ": exists and is not a directory");
        }

        Map<String, HostTensor> weights = RandomInit.weights(decoder, range, s.seed());
        long parameters = weights.values().stream().mapToLong(HostTensor::numel).sum();
        double secs = seconds(t0);
        Manifest done = planned.withResults(Map.of("parameters", parameters), List.of(), startedAt,
                Instant.now().toString(), secs);
        String manifest;
        try {
            manifest = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(done) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(MANIFEST, manifest);
        if (tokenizer != null) {
            extra.putAll(tokenizer.files());
        }
        HfCheckpointWriter.write(new HfCheckpointWriter.Checkpoint(config,
                decoder.head() == ModelHead.CAUSAL_LM ? generationConfig(config) : null, weights, null, extra),
                s.out(), ShardPlan.DEFAULT_MAX_SHARD_BYTES, s.force());
        LOG.info("wrote {} ({} parameters, seed {}) to {}", decoder, String.format("%,d", parameters), s.seed(), s.out());
        return new InitResult(false, s.out().toString(), decoder.architecture(), parameters, seconds(t0));
    }

    /**
     * A preset's config.json with the keys of the bench reference's {@code --make} (rms_norm_eps
     * 1e-5, rope_theta 10000, 2048 positions) plus initializer_range, and the special token ids of
     * the {@link TinyTokenizerBuilder} tokenizer written beside it (pad 0, bos 1, eos 3; the bench's
     * eos 2 is that tokenizer's {@code <|im_start|>}).
     */
    static ObjectNode presetConfig(ModelPreset p, String modelType, boolean tie) {
        String type = modelType == null ? "llama" : modelType;
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(switch (type) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        });
        c.put("model_type", type);
        c.put("hidden_size", p.hidden);
        c.put("intermediate_size", p.intermediate);
        c.put("num_hidden_layers", p.layers);
        c.put("num_attention_heads", p.heads);
        c.put("num_key_value_heads", p.kvHeads);
        c.put("vocab_size", p.vocab);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("max_position_embeddings", 2048);
        c.put("initializer_range", 0.02);
        c.put("tie_word_embeddings", tie);
        c.put("torch_dtype", "float32");
        c.put("bos_token_id", TinyTokenizerBuilder.BOS_ID);
        c.put("eos_token_id", TinyTokenizerBuilder.EOS_ID);
        c.put("pad_token_id", TinyTokenizerBuilder.PAD_ID);
        switch (type) {
            case "llama" -> {
                c.put("attention_bias", false);
                c.put("mlp_bias", false);
            }
            case "qwen2" -> {
                c.put("use_sliding_window", false);
                c.putNull("sliding_window");
                c.put("max_window_layers", p.layers);
            }
            default -> c.putNull("sliding_window"); // mistral's absent key would mean a 4096 window
        }
        return c;
    }

    private static ObjectNode readConfig(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UsageException("--config " + file + ": cannot read it as JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new UsageException("--config " + file + ": expected a JSON object (a config.json)");
        }
        return (ObjectNode) root;
    }

    private static ObjectNode generationConfig(ObjectNode config) {
        ObjectNode g = JSON.createObjectNode();
        g.put("_from_model_config", true);
        for (String key : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
            if (config.hasNonNull(key)) {
                g.set(key, config.get(key));
            }
        }
        return g;
    }


    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
