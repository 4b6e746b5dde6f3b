package dev.prefloop.engine.djl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * DecoderConfig is a llama-family config.json (model_type llama, qwen2, mistral) under Hugging
 * Face's key names, with each family's transformers class defaults for absent keys.
 *
 * <p>Derived fields say what transformers derives: {@code head_dim} is hidden_size /
 * num_attention_heads unless given; {@code attention_bias} is the q/k/v bias (llama's key, always
 * on for qwen2), {@code o_proj_bias} is llama's {@code attention_bias} only; {@code sliding_window}
 * is the effective window (null when off: qwen2 without {@code use_sliding_window}) and
 * {@code layer_types} says which layers use it; {@code num_labels} is len(id2label).
 */
public record DecoderConfig(
        String model_type,
        String architecture,
        ModelHead head,
        int vocab_size,
        int hidden_size,
        int intermediate_size,
        int num_hidden_layers,
        int num_attention_heads,
        int num_key_value_heads,
        int head_dim,
        int max_position_embeddings,
        double rms_norm_eps,
        RopeConfig rope,
        boolean attention_bias,
        boolean o_proj_bias,
        boolean mlp_bias,
        boolean tie_word_embeddings,
        Integer sliding_window,
        List<String> layer_types,
        int num_labels,
        Long pad_token_id,
        String torch_dtype) {

    /** Layer type of a layer attending to every earlier token. */
    public static final String FULL_ATTENTION = "full_attention";
    /** Layer type of a layer attending to the last {@code sliding_window} tokens only. */
    public static final String SLIDING_ATTENTION = "sliding_attention";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * transformers' class defaults per family (LlamaConfig, Qwen2Config, MistralConfig in 4.55);
     * an absent num_key_value_heads is num_attention_heads for llama (-1 here), 32 for qwen2, 8 for
     * mistral; an absent sliding_window is 4096 where the family has one.
     */
    private enum Family {
        LLAMA("llama", 32000, 4096, 11008, 32, 32, -1, 2048, null),
        QWEN2("qwen2", 151936, 4096, 22016, 32, 32, 32, 32768, 4096),
        MISTRAL("mistral", 32000, 4096, 14336, 32, 32, 8, 4096 * 32, 4096);

        final String type;
        final int vocab;
        final int hidden;
        final int intermediate;
        final int layers;
        final int heads;
        final int kvHeads;
        final int maxPositions;
        final Integer slidingWindow;

        Family(String type, int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
                int maxPositions, Integer slidingWindow) {
            this.type = type;
            this.vocab = vocab;
            this.hidden = hidden;
            this.intermediate = intermediate;
            this.layers = layers;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.maxPositions = maxPositions;
            this.slidingWindow = slidingWindow;
        }

        static Family of(String modelType, String where) {
            for (Family f : values()) {
                if (f.type.equals(modelType)) {
                    return f;
                }
            }
            throw new ModelException(where + ": model_type \"" + modelType
                    + "\" is not supported (supported: llama, qwen2, mistral)");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static DecoderConfig read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(modelDir + ": no config.json (is this a Hugging Face model directory?)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /** Parses a config.json root; {@code where} names the file in errors. */
    public static DecoderConfig parse(JsonNode root, String where) {
        if (root == null || !root.isObject()) {
            throw new ModelException(where + ": expected a JSON object");
        }
        JsonNode mt = root.get("model_type");
        if (mt == null || !mt.isTextual()) {
            throw new ModelException(where + ": no \"model_type\"");
        }
        Family family = Family.of(mt.asText(), where);
        refuseUnsupported(root, where);

        String architecture = architecture(root, family, where);
        ModelHead head = ModelHead.of(architecture, where);

        int hidden = positive(root, "hidden_size", family.hidden, where);
        int heads = positive(root, "num_attention_heads", family.heads, where);
        int kvHeads;
        if (!root.has("num_key_value_heads")) {
            kvHeads = family.kvHeads < 0 ? heads : family.kvHeads;
        } else {
            // An explicit null means "as many as query heads" in all three families.
            kvHeads = root.get("num_key_value_heads").isNull() ? heads : positive(root, "num_key_value_heads", 0, where);
        }
        if (heads % kvHeads != 0) {
            throw new ModelException(where + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = root.hasNonNull("head_dim") ? positive(root, "head_dim", 0, where) : hidden / heads;
        if (headDim % 2 != 0) {
            throw new ModelException(where + ": head_dim " + headDim + " is odd; rotary embeddings need it even");
        }
        int layers = positive(root, "num_hidden_layers", family.layers, where);

        boolean llamaBias = bool(root, "attention_bias", false);
        boolean qkvBias = switch (family) {
            case LLAMA -> llamaBias;
            case QWEN2 -> true;
            case MISTRAL -> false;
        };
        boolean oBias = family == Family.LLAMA && llamaBias;
        boolean mlpBias = family == Family.LLAMA && bool(root, "mlp_bias", false);

        Integer window = slidingWindow(root, family, where);
        List<String> layerTypes = layerTypes(root, family, window, layers, where);

        Long pad = null;
        JsonNode padNode = root.get("pad_token_id");
        if (padNode != null && !padNode.isNull()) {
            if (!padNode.canConvertToLong()) {
                throw new ModelException(where + ": \"pad_token_id\" must be an integer or null, got " + padNode);
            }
            pad = padNode.asLong();
        }
        JsonNode dtype = root.hasNonNull("dtype") ? root.get("dtype") : root.get("torch_dtype");

        return new DecoderConfig(family.type, architecture, head,
                positive(root, "vocab_size", family.vocab, where), hidden,
                positive(root, "intermediate_size", family.intermediate, where), layers, heads, kvHeads, headDim,
                positive(root, "max_position_embeddings", family.maxPositions, where),
                root.path("rms_norm_eps").asDouble(1e-6), RopeConfig.parse(root, where), qkvBias, oBias, mlpBias,
                bool(root, "tie_word_embeddings", false), window, layerTypes, numLabels(root), pad,
                dtype == null || dtype.isNull() ? null : dtype.asText());
    }

    /** Query heads per key/value head, H / Hkv. */
    public int groupSize() {
        return num_attention_heads / num_key_value_heads;
    }

    /** The sliding window of layer {@code i}, or 0 when it attends to every earlier token. */
    public int windowOf(int i) {
        return layer_types.get(i).equals(SLIDING_ATTENTION) ? sliding_window : 0;
    }

    private static void refuseUnsupported(JsonNode root, String where) {
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu") && !act.equals("swish")) { // transformers' ACT2FN maps both to SiLU
            throw new ModelException(where + ": hidden_act \"" + act + "\" is not supported (only silu)");
        }
        if (root.hasNonNull("quantization_config")) {
            throw new ModelException(where + ": quantized checkpoints (quantization_config) are not supported");
        }
        if (root.hasNonNull("partial_rotary_factor") && root.get("partial_rotary_factor").asDouble() != 1.0) {
            throw new ModelException(where + ": partial_rotary_factor " + root.get("partial_rotary_factor")
                    + " is not supported (only 1.0)");
        }
    }

    private static String architecture(JsonNode root, Family family, String where) {
        JsonNode archs = root.get("architectures");
        if (archs == null || archs.isNull() || archs.isEmpty()) {
            // transformers' AutoModelForCausalLM ignores the field too.
            return Character.toUpperCase(family.type.charAt(0)) + family.type.substring(1) + "ForCausalLM";
        }
        if (!archs.isArray() || archs.size() != 1 || !archs.get(0).isTextual()) {
            throw new ModelException(where + ": \"architectures\" must list exactly one class name, got " + archs);
        }
        return archs.get(0).asText();
    }

    private static Integer slidingWindow(JsonNode root, Family family, String where) {
        if (family == Family.LLAMA) {
            return null;
        }
        Integer w = family.slidingWindow;
        if (root.has("sliding_window")) {
            w = root.get("sliding_window").isNull() ? null : positive(root, "sliding_window", 0, where);
        }
        if (family == Family.QWEN2 && !bool(root, "use_sliding_window", false)) {
            return null; // Qwen2Config drops the window unless use_sliding_window is true.
        }
        return w;
    }

    private static List<String> layerTypes(JsonNode root, Family family, Integer window, int layers, String where) {
        List<String> types = new ArrayList<>(layers);
        JsonNode given = root.get("layer_types");
        if (family == Family.QWEN2 && given != null && !given.isNull()) {
            if (!given.isArray() || given.size() != layers) {
                throw new ModelException(where + ": \"layer_types\" must list " + layers + " layer types");
            }
            for (JsonNode t : given) {
                String s = t.asText();
                if (!s.equals(FULL_ATTENTION) && !s.equals(SLIDING_ATTENTION)) {
                    throw new ModelException(where + ": layer type \"" + s + "\" is not supported");
                }
                if (s.equals(SLIDING_ATTENTION) && window == null) {
                    throw new ModelException(where + ": layer_types has sliding_attention but no sliding window is"
                            + " set (sliding_window null or use_sliding_window false)");
                }
                types.add(s);
            }
            return Collections.unmodifiableList(types);
        }
        int maxWindowLayers = family == Family.QWEN2 ? root.path("max_window_layers").asInt(28) : 0;
        for (int i = 0; i < layers; i++) {
            types.add(window != null && i >= maxWindowLayers ? SLIDING_ATTENTION : FULL_ATTENTION);
        }
        return Collections.unmodifiableList(types);
    }

    private static int numLabels(JsonNode root) {
        JsonNode id2label = root.get("id2label");
        if (id2label != null && id2label.isObject()) {
            return id2label.size();
        }
        return root.path("num_labels").asInt(2);
    }

    private static int positive(JsonNode root, String key, int absent, String where) {
        JsonNode v = root.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelException(where + ": \"" + key + "\" must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode root, String key, boolean absent) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? absent : v.asBoolean();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s: L=%d C=%d H=%d Hkv=%d D=%d V=%d rope=%s%s", model_type, architecture,
                num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads, head_dim, vocab_size,
                rope.rope_type(), sliding_window == null ? "" : " window=" + sliding_window);
    }
}
