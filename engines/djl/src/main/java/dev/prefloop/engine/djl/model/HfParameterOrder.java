package dev.prefloop.engine.djl.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HfParameterOrder puts parameter names in the order torch's {@code model.named_parameters()} yields them
 * for a transformers decoder (embeddings, then each layer's q, k, v, o, gate, up, down projections and its
 * two norms, then the final norm and the head; a Linear's weight before its bias, PEFT's lora_A before
 * lora_B): the order in which transformers' Trainer numbers parameters in its optimizer's state.
 */
public final class HfParameterOrder {

    private static final String PEFT_PREFIX = "base_model.model.";

    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    /** Children of a decoder layer in the order LlamaDecoderLayer (and Qwen2's, Mistral's) registers them. */
    private static final List<String> LAYER_MODULES = List.of("self_attn.q_proj", "self_attn.k_proj",
            "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
            "input_layernorm", "post_attention_layernorm");

    /** What follows a module's name: its own tensors, then PEFT's factors (file names, without the adapter name). */
    private static final List<String> TAILS = List.of("weight", "bias", "lora_A.weight", "lora_B.weight");

    private static final Map<String, Integer> TOP = Map.of("model.embed_tokens", 0, "model.norm", 2, "lm_head", 3,
            "score", 3);

    private HfParameterOrder() {}

    /** {@code names} in named_parameters() order; names it does not know keep their relative order, after the known ones. */
    public static List<String> sorted(Collection<String> names) {
        List<String> out = new ArrayList<>(names);
        out.sort(Comparator.comparing(HfParameterOrder::key, HfParameterOrder::compareKeys));
        return out;
    }

    /**
     * The name a parameter has in the live torch module: PEFT's module holds factors under the adapter's name
     * ({@code lora_A.default.weight}) where adapter files drop it ({@code lora_A.weight}).
     */
    public static String moduleName(String fileName) {
        return fileName.replaceFirst("\\.(lora_[AB])\\.weight$", ".$1.default.weight");
    }

    private static long[] key(String name) {
        String n = name.startsWith(PEFT_PREFIX) ? name.substring(PEFT_PREFIX.length()) : name;
        Matcher m = LAYER.matcher(n);
        if (m.matches()) {
            String rest = m.group(2);
            for (int i = 0; i < LAYER_MODULES.size(); i++) {
                String module = LAYER_MODULES.get(i);
                if (rest.startsWith(module + ".")) {
                    int tail = TAILS.indexOf(rest.substring(module.length() + 1));
                    if (tail >= 0) {
                        return new long[] {1, Long.parseLong(m.group(1)), i, tail};
                    }
                }
            }
            return unknown();
        }
        for (Map.Entry<String, Integer> top : TOP.entrySet()) {
            if (n.startsWith(top.getKey() + ".")) {
                int tail = TAILS.indexOf(n.substring(top.getKey().length() + 1));
                if (tail >= 0) {
                    return new long[] {top.getValue(), 0, 0, tail};
                }
            }
        }
        return unknown();
    }

    private static long[] unknown() {
        return new long[] {Long.MAX_VALUE, 0, 0, 0};
    }

    private static int compareKeys(long[] a, long[] b) {
        return java.util.Arrays.compare(a, b);
    }
}
