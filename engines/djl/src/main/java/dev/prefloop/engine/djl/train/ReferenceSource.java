package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * ReferenceSource is the reference model of a preference run, made available for one pass (its log-probabilities are
 * computed once and cached) and freed after it: --ref with --ref-adapter when given; else, with LoRA, the policy's own
 * base with the adapter disabled (TRL's null_ref_context) or carrying --ref-adapter (TRL's ref_adapter_name), so no
 * second copy of the weights is loaded; else the starting policy of a fresh full fine-tuning run, which before its
 * first update is the reference; else --model loaded again.
 */
final class ReferenceSource {

    private final PreferenceTrainingSettings s;
    private final DeviceSpec device;
    private final LlamaModel loraBase;
    private final LlamaModel startingPolicy;

    /**
     * @param loraBase the LoRA run's base model, or null for full fine-tuning
     * @param startingPolicy the policy before any update (a fresh full fine-tuning run), or null
     */
    ReferenceSource(PreferenceTrainingSettings s, DeviceSpec device, LlamaModel loraBase, LlamaModel startingPolicy) {
        this.s = s;
        this.device = device;
        this.loraBase = loraBase;
        this.startingPolicy = startingPolicy;
    }

    /** What identifies the reference's outputs in the log-probability caches. */
    String identity() {
        Path refDir = s.reference() != null ? s.reference() : s.model();
        Path refAdapter = s.lora().refAdapter();
        return ReferenceLogps.modelIdentity(refDir)
                + (refAdapter == null ? "" : "|adapter:" + ReferenceLogps.modelIdentity(refAdapter));
    }

    /** {@code use} applied to the reference model, which is loaded for it and freed afterwards where needed. */
    <T> T apply(Function<LlamaModel, T> use) {
        Path refAdapter = s.lora().refAdapter();
        if (s.reference() == null && loraBase != null) {
            return withAdapter(loraBase, refAdapter, use);
        }
        if (s.reference() == null && startingPolicy != null) {
            return use.apply(startingPolicy);
        }
        Path refDir = s.reference() != null ? s.reference() : s.model();
        ComputeDtype dtype = loraBase != null ? s.lora().dtype() : ComputeDtype.FLOAT32;
        try (LlamaModel ref = LlamaModel.load(refDir, device, dtype)) {
            return withAdapter(ref, refAdapter, use);
        }
    }

    private static <T> T withAdapter(LlamaModel base, Path adapterDir, Function<LlamaModel, T> use) {
        if (adapterDir == null) {
            return use.apply(base.withAdapter(null));
        }
        try (LoraAdapter adapter = LoraAdapterFiles.load(adapterDir, base)) {
            return use.apply(base.withAdapter(adapter));
        }
    }
}
