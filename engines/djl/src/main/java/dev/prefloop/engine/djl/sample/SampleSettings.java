package dev.prefloop.engine.djl.sample;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SampleSettings is everything {@code prefloop sample} needs.
 *
 * @param model the policy's model directory
 * @param adapter a PEFT LoRA adapter on the policy, or null
 * @param ref the reference's model directory, or null: then, when there is a reference (see {@link #hasReference}),
 *     it is {@code model} itself with {@code refAdapter}, sharing the policy's loaded weights
 * @param refAdapter a PEFT LoRA adapter on the reference, or null
 * @param prompts the prompt dataset (file, directory, glob or -)
 * @param n responses per prompt (vanilla, best-of-n; pilaf and hybrid take 2)
 * @param beta PILAF's mixing weight and best-of-n's implicit-reward scale
 * @param decoding temperature, top-k/p, min-p, max new tokens, stop strings and the run seed
 * @param iteration which iteration (or online step) this is: it picks the random streams
 * @param batchSize prompts decoded together (each generator's share of them as one batch)
 * @param chatTemplate whether string prompts are wrapped as a user turn and rendered with the template
 * @param maxPromptTokens keep the last this many prompt tokens; 0 = all
 * @param refLogps whether responses get ref_logps (when a reference is loaded)
 */
public record SampleSettings(Path model, Path adapter, Path ref, Path refAdapter, String prompts, Path out, ShardFormat format, SampleScheme scheme,
        int n, double beta, SamplingSettings decoding, long iteration, int batchSize, boolean chatTemplate,
        int maxPromptTokens, boolean refLogps, DeviceSpec device, ComputeDtype dtype, SliceSpec slice,
        boolean force, boolean resume) {

    /** Checks the options that only make sense together. */
    public SampleSettings {
        if (scheme.needsRef() && ref == null && adapter == null && refAdapter == null) {
            throw new UsageException("--scheme " + scheme + " needs --ref REF (the reference model), or a LoRA"
                    + " policy (--adapter) whose reference is MODEL itself (or MODEL with --ref-adapter)");
        }
        if ((scheme == SampleScheme.PILAF || scheme == SampleScheme.HYBRID) && n != 2) {
            throw new UsageException("--scheme " + scheme + " samples a pair per prompt; --n " + n + " does not apply");
        }
        if (n < 1 || (scheme == SampleScheme.BEST_OF_N && n < 2)) {
            throw new UsageException("--n " + n + ": expected at least " + (scheme == SampleScheme.BEST_OF_N ? 2 : 1));
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new UsageException("--beta " + beta + ": expected a finite number >= 0");
        }
        if (scheme == SampleScheme.BEST_OF_N && !refLogps) {
            throw new UsageException("--scheme best-of-n ranks by beta * (logp - ref_logp); --no-ref-logps"
                    + " does not apply");
        }
        if (batchSize < 1) {
            throw new UsageException("--batch-size " + batchSize + ": expected at least 1");
        }
        if (maxPromptTokens < 0) {
            throw new UsageException("--max-prompt-tokens " + maxPromptTokens + ": expected 0 (no limit) or more");
        }
        if (iteration < 0) {
            throw new UsageException("--iteration " + iteration + ": expected 0 or more");
        }
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop writes arrow, jsonl or jsonl.gz");
        }
    }

    /**
     * Whether there is a reference model: --ref, or --ref-adapter (on MODEL), or a scheme that needs one with a LoRA
     * policy, whose reference is then MODEL without the adapter.
     */
    public boolean hasReference() {
        return ref != null || refAdapter != null || (adapter != null && scheme.needsRef());
    }

    /** Whether the reference is MODEL's own weights (no --ref, or --ref naming MODEL's directory): loaded once. */
    public boolean referenceSharesModel() {
        return hasReference() && (ref == null
                || ref.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize()));
    }

    /** Whether responses carry ref_logps. */
    public boolean writesRefLogps() {
        return hasReference() && refLogps;
    }

    /** The options that decide the output, as the manifest records them (batch size does not). */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", scheme.label());
        m.put("n", n);
        m.put("beta", beta);
        m.put("iteration", iteration);
        m.put("temperature", decoding.temperature());
        m.put("top_k", decoding.top_k());
        m.put("top_p", decoding.top_p());
        m.put("min_p", decoding.min_p());
        m.put("max_new_tokens", decoding.max_new_tokens());
        m.put("stop", decoding.stop_strings());
        m.put("chat_template", chatTemplate);
        m.put("max_prompt_tokens", maxPromptTokens);
        m.put("ref_logps", writesRefLogps());
        m.put("dtype", dtype.toString());
        m.put("format", format.extension().substring(1));
        // which adapter plays which role (their files are among the models); absent without adapters
        if (adapter != null) {
            m.put("adapter", true);
        }
        if (refAdapter != null) {
            m.put("ref_adapter", true);
        }
        return m;
    }
}
