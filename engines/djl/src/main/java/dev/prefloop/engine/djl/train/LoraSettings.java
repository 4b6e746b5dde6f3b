package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.LoraConfig;
import dev.prefloop.engine.djl.model.ModelHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * LoraSettings: whether a training run trains a LoRA adapter on a frozen base instead of every weight, and how (TRL's
 * ModelConfig names: use_peft, lora_r, lora_alpha, lora_dropout, lora_target_modules, use_rslora, with its defaults
 * 16, 32, 0.05, PEFT's per-model targets, false). Any lora option turns LoRA on; {@code adapter} continues training an
 * existing PEFT adapter, whose own config then holds.
 *
 * @param enabled whether the run trains an adapter
 * @param r the rank of a new adapter
 * @param alpha its alpha
 * @param dropout its lora_dropout
 * @param targets its target module names, or null for PEFT's default (q_proj, v_proj); all-linear for every projection
 * @param useRslora rank-stabilised scaling alpha / sqrt(r)
 * @param adapter an adapter directory to continue training, or null for a new adapter
 * @param refAdapter an adapter for the reference (TRL ref_adapter_name), or null: the base with the adapter disabled
 * @param dtype the base weights' dtype: auto (float16 on a GPU for a float16 checkpoint), float32 or float16 (GPU)
 */
public record LoraSettings(boolean enabled, int r, double alpha, double dropout, List<String> targets,
        boolean useRslora, Path adapter, Path refAdapter, ComputeDtype dtype) {

    /** The option names, snake_case, that describe a new adapter. */
    static final Set<String> NEW_ADAPTER = Set.of("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules",
            "use_rslora");

    /** Full fine-tuning: no adapter, float32 weights. */
    public static final LoraSettings NONE = new LoraSettings(false, 16, 32, 0.05, null, false, null, null,
            ComputeDtype.FLOAT32);

    /** Every option name, snake_case (lora_target is lora_target_modules's short name). */
    public static Set<String> names() {
        Set<String> s = new java.util.LinkedHashSet<>(NEW_ADAPTER);
        s.add("use_peft");
        s.add("lora_target");
        return s;
    }

    /**
     * Takes the LoRA options out of {@code options} (snake_case; lora_target as lora_target_modules's short name) and
     * combines them with the path options; {@code dtype} is the --dtype text or null.
     */
    static LoraSettings take(Map<String, String> options, Path adapter, Path refAdapter, String dtype) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String name : List.of("use_peft", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules",
                "lora_target", "use_rslora")) {
            String v = options.remove(name);
            if (v != null) {
                given.put(name.equals("lora_target") ? "lora_target_modules" : name, v);
            }
        }
        boolean usePeft = given.containsKey("use_peft") ? OptionText.bool("use_peft", given.get("use_peft"))
                : !given.isEmpty() || adapter != null;
        ComputeDtype computeDtype = dtype == null ? ComputeDtype.AUTO : ComputeDtype.parse(dtype);
        requireAdapterDir(adapter, "--adapter");
        requireAdapterDir(refAdapter, "--ref-adapter");
        if (!usePeft) {
            if (!given.isEmpty() && given.keySet().stream().anyMatch(NEW_ADAPTER::contains)) {
                throw new UsageException("--use-peft false with LoRA options (" + String.join(", ", given.keySet())
                        .replace('_', '-') + "): drop them or train the adapter");
            }
            if (refAdapter != null) {
                throw new UsageException("--ref-adapter is for LoRA runs (--use-peft, --lora-r, or --adapter)");
            }
            if (computeDtype == ComputeDtype.FLOAT16) {
                throw new UsageException("--dtype float16 needs LoRA (--use-peft): full fine-tuning keeps float32"
                        + " weights and AdamW state");
            }
            return NONE;
        }
        if (adapter != null) {
            for (String k : given.keySet()) {
                if (NEW_ADAPTER.contains(k)) {
                    throw new UsageException("--" + k.replace('_', '-') + " describes a new adapter; --adapter " + adapter
                            + " continues one whose adapter_config.json holds its rank, alpha, dropout and targets");
                }
            }
        }
        int r = given.containsKey("lora_r") ? OptionText.integer("lora_r", given.get("lora_r")) : 16;
        double alpha = given.containsKey("lora_alpha") ? OptionText.number("lora_alpha", given.get("lora_alpha")) : 32;
        double dropout = given.containsKey("lora_dropout") ? OptionText.number("lora_dropout",
                given.get("lora_dropout")) : 0.05;
        List<String> targets = given.containsKey("lora_target_modules") ? targets(given.get("lora_target_modules")) : null;
        boolean rslora = given.containsKey("use_rslora") && OptionText.bool("use_rslora", given.get("use_rslora"));
        LoraSettings s = new LoraSettings(true, r, alpha, dropout, targets, rslora, adapter, refAdapter, computeDtype);
        s.config(ModelHead.CAUSAL_LM); // checks the values now, before any output
        return s;
    }

    private static void requireAdapterDir(Path dir, String option) {
        if (dir != null && !LoraAdapterFiles.isAdapter(dir)) {
            throw new UsageException(option + " " + dir + " is not a PEFT adapter directory (no "
                    + LoraAdapterFiles.CONFIG_FILE + ")");
        }
    }

    private static List<String> targets(String text) {
        List<String> out = new ArrayList<>();
        // YAML lists arrive as "[q_proj, v_proj]"; the command line as q_proj,v_proj
        for (String t : text.replace("[", "").replace("]", "").split(",")) {
            String name = t.trim().replace("\"", "").replace("'", "");
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--lora-target: at least one module name (or all-linear)");
        }
        return out;
    }

    /** The config of a new adapter for a model with {@code head}. */
    public LoraConfig config(ModelHead head) {
        return LoraConfig.forTraining(r, alpha, dropout, targets, useRslora, head);
    }

    /** The options as the run's manifest and checkpoints record them. */
    Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_peft", enabled);
        if (enabled) {
            m.put("lora_r", r);
            m.put("lora_alpha", alpha);
            m.put("lora_dropout", dropout);
            m.put("lora_target_modules", targets);
            m.put("use_rslora", useRslora);
            m.put("adapter", adapter == null ? null : adapter.toString());
            m.put("ref_adapter", refAdapter == null ? null : refAdapter.toString());
            m.put("dtype", dtype.toString().toLowerCase(Locale.ROOT));
        }
        return m;
    }
}
