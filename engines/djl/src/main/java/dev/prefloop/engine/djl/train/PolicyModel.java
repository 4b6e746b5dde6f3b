package dev.prefloop.engine.djl.train;

import ai.djl.Device;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.LoraConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PolicyModel is the model a training run updates: the whole model in float32, or, with LoRA, a frozen base (float32,
 * or float16 on a GPU) carrying a float32 adapter: new, continued from --adapter, or read back from the checkpoint a
 * run resumes from. With LoRA the base without the adapter is at hand too, so the reference costs no second copy.
 */
final class PolicyModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyModel.class);

    private final LlamaModel base;
    private final LoraAdapter adapter;
    private final LlamaModel policy;

    private PolicyModel(LlamaModel base, LoraAdapter adapter) {
        this.base = base;
        this.adapter = adapter;
        this.policy = adapter == null ? base : base.withAdapter(adapter);
    }

    /**
     * Loads the policy of a run on {@code modelDir}: for full fine-tuning the weights of {@code resumeFrom} when
     * resuming, else of the model; with LoRA the base from the model directory and the adapter from
     * {@code resumeFrom}, else {@code lora.adapter()}, else a new one drawn from {@code seed}.
     */
    static PolicyModel open(Path modelDir, LoraSettings lora, Optional<Path> resumeFrom, DeviceSpec device,
            long seed) {
        if (!lora.enabled()) {
            if (resumeFrom.isPresent() && LoraAdapterFiles.isAdapter(resumeFrom.get())) {
                throw new UsageException("--resume: " + resumeFrom.get() + " holds a LoRA adapter; resume with the"
                        + " LoRA options the run started with (--use-peft, --lora-r, ...)");
            }
            return new PolicyModel(LlamaModel.load(resumeFrom.orElse(modelDir), device, ComputeDtype.FLOAT32), null);
        }
        LlamaModel base = loadBase(modelDir, lora, device);
        try {
            return new PolicyModel(base, adapter(base, lora, resumeFrom, seed));
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /** The frozen base of a LoRA run, in the dtype --dtype resolves to on the device. */
    static LlamaModel loadBase(Path modelDir, LoraSettings lora, DeviceSpec device) {
        DecoderConfig config = DecoderConfig.read(modelDir);
        Device d = device.resolve(TorchRuntime.engine());
        return LlamaModel.load(modelDir, config, d, lora.dtype().resolve(d, config.torch_dtype()));
    }

    /** The adapter a LoRA run starts from. */
    static LoraAdapter adapter(LlamaModel base, LoraSettings lora, Optional<Path> resumeFrom, long seed) {
        Path from = resumeFrom.orElse(lora.adapter());
        LoraAdapter a;
        if (from != null) {
            if (!LoraAdapterFiles.isAdapter(from)) {
                throw new UsageException((resumeFrom.isPresent() ? "--resume: " + from + " was not written by a LoRA run"
                        : "--adapter " + from + " is not a PEFT adapter directory") + " (no adapter_config.json)");
            }
            if (resumeFrom.isPresent() && lora.adapter() == null) {
                requireSameAdapter(resumeFrom.get(), LoraAdapterFiles.readConfig(from),
                        lora.config(base.config().head()));
            }
            a = LoraAdapterFiles.load(from, base);
            if (!a.replacedTensors().isEmpty()) {
                String names = String.join(", ", a.replacedTensors().keySet());
                a.close();
                // PEFT trains modules_to_save copies along with the factors; freezing them would be a silent difference
                throw new UsageException("--adapter " + from + " has modules_to_save (" + names + "), which PEFT trains"
                        + " with the adapter; prefloop trains only lora_A/lora_B factors. Merge it first (prefloop merge"
                        + " --model MODEL --adapter " + from + " --out MERGED) and train a new adapter on MERGED");
            }
        } else {
            a = LoraAdapter.initialise(base.config(), lora.config(base.config().head()), seed, base.device());
        }
        LOG.info(String.format(Locale.ROOT, "LoRA: %d modules, %,d trainable parameters (%.3f%% of %,d), base frozen"
                + " in %s", a.modules().size(), a.parameterCount(), 100.0 * a.parameterCount() / base.parameterCount(),
                base.parameterCount(), base.dataType()));
        return a;
    }

    /** A resumed run's checkpoint adapter must be the one its options ask for, not silently another. */
    private static void requireSameAdapter(Path checkpoint, LoraConfig saved, LoraConfig asked) {
        String[][] pairs = {
            {"lora_r", String.valueOf(saved.r()), String.valueOf(asked.r())},
            {"lora_alpha", String.valueOf(saved.loraAlpha()), String.valueOf(asked.loraAlpha())},
            {"lora_dropout", String.valueOf(saved.loraDropout()), String.valueOf(asked.loraDropout())},
            {"use_rslora", String.valueOf(saved.useRslora()), String.valueOf(asked.useRslora())},
            {"lora_target_modules", targets(saved), targets(asked)}};
        for (String[] p : pairs) {
            if (!p[1].equals(p[2])) {
                throw new UsageException("--resume: " + checkpoint + " holds an adapter with " + p[0] + " = " + p[1]
                        + ", this run asks for " + p[2] + "; resume with the same options, or start afresh with"
                        + " --force");
            }
        }
    }

    private static String targets(LoraConfig c) {
        return c.targetModules() == null ? c.targetRegex() : new java.util.TreeSet<>(c.targetModules()).toString();
    }

    /** What training updates. */
    LlamaModel policy() {
        return policy;
    }

    /** The frozen base of a LoRA run, or null for full fine-tuning. */
    LlamaModel base() {
        return adapter == null ? null : base;
    }

    /** Frees the adapter and the weights. */
    @Override
    public void close() {
        if (adapter != null) {
            adapter.close();
        }
        base.close();
    }
}
