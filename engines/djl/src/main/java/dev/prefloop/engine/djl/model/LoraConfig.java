package dev.prefloop.engine.djl.model;

import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * LoraConfig is a PEFT {@code LoraConfig} of the plain LoRA kind, h = W x + (alpha / r) B A x, with PEFT's rules for
 * which modules it adapts and with what rank and alpha (peft/tuners/tuners_utils.py check_target_module_exists,
 * peft/utils/other.py get_pattern_key).
 *
 * <p>Module names are the base model's, as PEFT sees them: {@code model.layers.3.self_attn.q_proj}, {@code lm_head}.
 * Only linear layers can be adapted here; a target naming anything else is refused, never skipped.
 *
 * @param r the default rank
 * @param loraAlpha the default alpha
 * @param loraDropout dropout on the adapter's input while training (PEFT lora_dropout)
 * @param targetModules module-name suffixes to adapt (PEFT's list form), or null when {@code targetRegex} is set
 * @param targetRegex a regular expression the whole module name must match (PEFT's string form), or null
 * @param excludeModules suffixes never adapted, or null
 * @param useRslora rank-stabilised scaling alpha / sqrt(r) instead of alpha / r
 * @param rankPattern module-name patterns to ranks other than r
 * @param alphaPattern module-name patterns to alphas other than loraAlpha
 * @param layersToTransform layer indices to adapt (list-form targets only), or null for all
 * @param layersPattern the name of the layer list ("layers") for {@code layersToTransform}, or null for any
 * @param modulesToSave modules the adapter replaces whole (PEFT modules_to_save), or an empty list
 * @param taskType PEFT's task_type: CAUSAL_LM or SEQ_CLS
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules, String targetRegex,
        List<String> excludeModules, boolean useRslora, Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern, List<Integer> layersToTransform, String layersPattern,
        List<String> modulesToSave, String taskType) {

    /** PEFT's shorthand for every linear layer but the output head. */
    public static final String ALL_LINEAR = "all-linear";

    /** The projections of a llama-family block, in checkpoint order. */
    public static final List<String> PROJECTIONS = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    /** PEFT's default targets for llama, qwen2 and mistral (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
    public static final List<String> DEFAULT_TARGETS = List.of("q_proj", "v_proj");

    private static final Pattern ANY_LAYER = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\..*");

    /** One adapted module: its name, shape and the rank and alpha the patterns give it. */
    public record Target(String module, long in, long out, int rank, double alpha) {}

    public LoraConfig {
        if (r <= 0) {
            throw new UsageException("--lora-r must be a positive integer, got " + r);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new UsageException("--lora-dropout must be in [0, 1), got " + loraDropout);
        }
        if (!Double.isFinite(loraAlpha)) {
            throw new UsageException("--lora-alpha must be a number, got " + loraAlpha);
        }
        if ((targetModules == null) == (targetRegex == null)) {
            throw new IllegalArgumentException("exactly one of target module list and target regex");
        }
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
        excludeModules = excludeModules == null ? null : List.copyOf(excludeModules);
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
        layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
        modulesToSave = List.copyOf(modulesToSave);
        if (targetRegex != null) {
            compile(targetRegex, "target_modules");
        }
    }

    /**
     * A config for training a new adapter: {@code targets} are module-name suffixes (q_proj, mlp.down_proj, ...), or
     * the single word all-linear for every projection of every block (PEFT leaves the output head out).
     */
    public static LoraConfig forTraining(int r, double alpha, double dropout, List<String> targets, boolean useRslora,
            ModelHead head) {
        List<String> list = targets == null || targets.isEmpty() ? DEFAULT_TARGETS : targets;
        if (list.size() == 1 && list.get(0).equalsIgnoreCase(ALL_LINEAR)) {
            list = PROJECTIONS.stream().map(p -> p.substring(p.indexOf('.') + 1)).toList();
        } else if (list.stream().anyMatch(t -> t.equalsIgnoreCase(ALL_LINEAR))) {
            throw new UsageException("--lora-target " + ALL_LINEAR + " stands alone; it already names every projection");
        }
        return new LoraConfig(r, alpha, dropout, list, null, null, useRslora, Map.of(), Map.of(), null, null,
                List.of(), head == ModelHead.SEQUENCE_CLASSIFICATION ? "SEQ_CLS" : "CAUSAL_LM");
    }

    /** PEFT's scaling for a module of rank {@code rank} and alpha {@code alpha}. */
    public double scaling(int rank, double alpha) {
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /**
     * The modules of {@code c} this config adapts, in checkpoint order, each with its rank and alpha. A target that
     * names nothing adaptable (a list entry no module ends with, or a regex matching none) is an error.
     */
    public List<Target> targets(DecoderConfig c) {
        Map<String, long[]> linear = linearModules(c);
        List<String> names = new ArrayList<>(linear.keySet());
        List<Target> out = new ArrayList<>();
        for (String name : names) {
            if (!adapts(name)) {
                continue;
            }
            long[] shape = linear.get(name);
            int rank = rankPattern.isEmpty() ? r : patternValue(rankPattern, name, r);
            double alpha = alphaPattern.isEmpty() ? loraAlpha : patternValue(alphaPattern, name, loraAlpha);
            if (rank <= 0) {
                throw new ModelException("rank_pattern gives " + name + " rank " + rank + "; ranks must be positive");
            }
            out.add(new Target(name, shape[1], shape[0], rank, alpha));
        }
        if (targetModules != null) {
            for (String t : targetModules) {
                boolean any = names.stream().anyMatch(n -> n.equals(t) || n.endsWith("." + t));
                if (!any) {
                    throw new UsageException("LoRA target '" + t + "' names no linear layer of this " + c.model_type()
                            + " model; the layers are " + String.join(", ", PROJECTIONS.stream()
                            .map(p -> p.substring(p.indexOf('.') + 1)).toList()) + " in every block, and "
                            + (c.head() == ModelHead.CAUSAL_LM ? "lm_head" : "score"));
                }
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("the LoRA targets (" + (targetRegex != null ? targetRegex
                    : String.join(", ", targetModules)) + ") select no module of this model");
        }
        return out;
    }

    /** Whether PEFT would put an adapter on the module called {@code key}. */
    boolean adapts(String key) {
        if (excludeModules != null && excludeModules.stream().anyMatch(e -> key.equals(e) || key.endsWith("." + e))) {
            return false;
        }
        for (String m : modulesToSave) {
            if (Pattern.compile("(^|.*\\.)" + m + "($|\\..*)").matcher(key).matches()) {
                return false;
            }
        }
        if (targetRegex != null) {
            return compile(targetRegex, "target_modules").matcher(key).matches();
        }
        boolean found = targetModules.contains(key) || targetModules.stream().anyMatch(t -> key.endsWith("." + t));
        if (!found || targetModules.contains(key) || layersToTransform == null || layersToTransform.isEmpty()) {
            return found;
        }
        Matcher layer = layersPattern == null || layersPattern.isEmpty() ? ANY_LAYER.matcher(key)
                : Pattern.compile(".*?\\." + layersPattern + "\\.(\\d+)\\..*").matcher(key);
        return layer.matches() && layersToTransform.contains(Integer.parseInt(layer.group(1)));
    }

    /** get_pattern_key: the first pattern p with re.match(r"(.*\.)?(p)$", key), else the default. */
    private static <T> T patternValue(Map<String, T> patterns, String key, T fallback) {
        for (Map.Entry<String, T> e : patterns.entrySet()) {
            if (compile("(.*\\.)?(" + e.getKey() + ")$", "rank_pattern/alpha_pattern").matcher(key).matches()) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private static Pattern compile(String regex, String field) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ModelException("adapter " + field + " pattern '" + regex + "' is not a valid regular expression: "
                    + e.getDescription());
        }
    }

    /** The linear layers of a llama-family model by module name, each (out, in), in checkpoint order. */
    public static Map<String, long[]> linearModules(DecoderConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long hidden = c.hidden_size();
        long q = (long) c.num_attention_heads() * c.head_dim();
        long kv = (long) c.num_key_value_heads() * c.head_dim();
        long f = c.intermediate_size();
        for (int i = 0; i < c.num_hidden_layers(); i++) {
            String l = "model.layers." + i + ".";
            m.put(l + "self_attn.q_proj", new long[] {q, hidden});
            m.put(l + "self_attn.k_proj", new long[] {kv, hidden});
            m.put(l + "self_attn.v_proj", new long[] {kv, hidden});
            m.put(l + "self_attn.o_proj", new long[] {hidden, q});
            m.put(l + "mlp.gate_proj", new long[] {f, hidden});
            m.put(l + "mlp.up_proj", new long[] {f, hidden});
            m.put(l + "mlp.down_proj", new long[] {hidden, f});
        }
        if (c.head() == ModelHead.CAUSAL_LM) {
            m.put("lm_head", new long[] {c.vocab_size(), hidden});
        } else {
            m.put("score", new long[] {c.num_labels(), hidden});
        }
        return m;
    }
}
