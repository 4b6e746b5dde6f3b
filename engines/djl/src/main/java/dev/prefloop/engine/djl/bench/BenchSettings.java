package dev.prefloop.engine.djl.bench;

import dev.prefloop.engine.djl.init.ModelPreset;

import java.nio.file.Path;
import java.util.List;

/**
 * BenchSettings are the workloads of {@code prefloop bench}, under torch_ref.py's names so the two
 * programs can be run with the same numbers.
 *
 * @param benches which to run, in this order: logps, dpo-step, decode, pilaf-decode, matmul
 * @param model a model directory, or null for a random model of {@code preset} in a temp directory
 * @param ref the reference model of pilaf-decode, or null for a random one (seed + 1, same shapes)
 * @param preset the random model's architecture
 * @param batch B: rows scored, pairs per DPO step, prompts decoded
 * @param promptLen P
 * @param responseLen R (scoring and DPO rows are P + R long)
 * @param newTokens G: tokens sampled per prompt
 * @param steps measured iterations of logps and dpo-step
 * @param warmup unmeasured iterations before them
 * @param runs measured decode runs (after one warmup run)
 * @param threads libtorch intra-op threads (0 = leave as started)
 * @param beta DPO's beta and PILAF's mixing beta
 * @param temperature decode temperature
 * @param topP decode nucleus mass
 * @param seed random weights and sampling seed
 */
public record BenchSettings(List<String> benches, Path model, Path ref, ModelPreset preset, int batch, int promptLen,
        int responseLen, int newTokens, int steps, int warmup, int runs, int threads, double beta, double temperature,
        double topP, long seed) {

    /** Every benchmark, in the order they run. */
    public static final List<String> ALL = List.of("logps", "dpo-step", "decode", "pilaf-decode", "matmul");

    /** Checks every option, naming it. */
    public BenchSettings {
        benches = List.copyOf(benches.isEmpty() ? ALL : benches);
        for (String b : benches) {
            if (!ALL.contains(b)) {
                throw new IllegalArgumentException("unknown benchmark \"" + b + "\" (known: " + String.join(", ", ALL) + ")");
            }
        }
        positive("--batch", batch);
        positive("--prompt-len", promptLen);
        positive("--response-len", responseLen);
        positive("--new-tokens", newTokens);
        positive("--steps", steps);
        positive("--runs", runs);
        if (warmup < 0 || threads < 0) {
            throw new IllegalArgumentException("--warmup and --threads take 0 or more");
        }
        if (!(beta > 0) || !(temperature > 0) || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--beta and --temperature must be > 0, --top-p in (0, 1]");
        }
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
    }
}
