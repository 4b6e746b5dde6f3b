package dev.prefloop.engine.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * DpoStepBenchmark times the trainer's DPO step (forward, sigmoid loss, backward, AdamW) on the inputs of
 * ../shared/bench/torch_ref.py dpo-step, for comparison with its plain-PyTorch step. Not a test: run by hand
 * (docs/benchmarks-train.md says how). Modes: shared (prompt forwarded once), concatenated (DPOTrainer's
 * 2N rows), shared-ref (shared, with the reference model resident and run every step instead of precomputed).
 *
 * <p>Arguments: MODEL_DIR MODE [B P R STEPS WARMUP]; prints one JSON line.
 */
public final class DpoStepBenchmark {

    private DpoStepBenchmark() {}

    /** torch_ref.py's tok(): id(stream, b, t) = ((1103515245 x + 12345) mod 2^31) mod V, x = stream*1000003 + b*10007 + t. */
    static long token(int stream, int b, int t, long vocab) {
        long x = stream * 1000003L + b * 10007L + t;
        return Math.floorMod(1103515245L * x + 12345L, 1L << 31) % vocab;
    }

    static List<TokenizedPair> inputs(int batch, int promptLength, int responseLength, long vocab) {
        List<TokenizedPair> pairs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            long[] prompt = new long[promptLength];
            for (int t = 0; t < promptLength; t++) {
                prompt[t] = token(0, b, t, vocab);
            }
            long[][] responses = new long[2][];
            for (int s = 1; s <= 2; s++) {
                int len = responseLength - ((b + s) % 4) * responseLength / 8;
                long[] r = new long[len];
                for (int t = 0; t < len; t++) {
                    r[t] = token(s, b, promptLength + t, vocab);
                }
                responses[s - 1] = r;
            }
            pairs.add(new TokenizedPair(prompt, responses[0], responses[1], Double.NaN, Double.NaN));
        }
        return pairs;
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        String mode = args[1];
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int promptLength = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int responseLength = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        int steps = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 3;
        Engine engine = TorchRuntime.engine();
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LlamaModel reference = mode.equals("shared-ref") ? LlamaModel.load(dir, DeviceSpec.CPU,
                        ComputeDtype.FLOAT32) : null;
                NDManager base = engine.newBaseManager()) {
            List<TokenizedPair> pairs = inputs(batch, promptLength, responseLength, model.config().vocab_size());
            int[] all = new int[batch];
            Arrays.setAll(all, i -> i);
            PairLayout layout = mode.equals("concatenated") ? PairLayout.CONCATENATED : PairLayout.SHARED_PROMPT;
            ReferenceTable precomputed = ReferenceLogps.compute(model, pairs, batch, 0, 0, Progress.NONE);
            var loss = LossRegistry.create("sigmoid", LossSettings.defaults());
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            double[] ms = new double[steps];
            double[] fwd = new double[steps];
            double[] opt2 = new double[steps];
            double first = Double.NaN;
            double last = Double.NaN;
            try (AdamW opt = new AdamW(model.parameters(), 0.9, 0.999, 1e-8, 0.0)) {
                for (int i = 0; i < warmup + steps; i++) {
                    long t0 = System.nanoTime();
                    ReferenceTable ref = reference == null ? precomputed
                            : ReferenceLogps.compute(reference, pairs, batch, 0, 0, Progress.NONE);
                    PreferenceObjective objective = new PreferenceObjective(pairs, ref, loss, false, 0, layout);
                    double value;
                    try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
                        scope.suppressNotUsedWarning();
                        try (GradientCollector gc = engine.newGradientCollector()) {
                            NDArray l = objective.compute(model, all, step).lossSum()
                                    .div(step.full(new ai.djl.ndarray.types.Shape(), (float) batch));
                            value = l.getFloat();
                            if (i >= warmup) {
                                fwd[i - warmup] = (System.nanoTime() - t0) / 1e6;
                            }
                            gc.backward(l);
                        }
                    }
                    long t1 = System.nanoTime();
                    opt.step(1e-5);
                    GradientClipping.zero(model.parameters());
                    double dt = (System.nanoTime() - t0) / 1e6;
                    first = i == 0 ? value : first;
                    last = value;
                    if (i >= warmup) {
                        ms[i - warmup] = dt;
                        opt2[i - warmup] = (System.nanoTime() - t1) / 1e6;
                    }
                }
            }
            Arrays.sort(ms);
            Arrays.sort(fwd);
            Arrays.sort(opt2);
            double median = ms[steps / 2];
            long tokens = 2L * batch * (promptLength + responseLength);
            System.out.printf(Locale.ROOT, "{\"bench\": \"dpo-step-java\", \"mode\": \"%s\", \"B\": %d, \"P\": %d,"
                    + " \"R\": %d, \"median_ms\": %.1f, \"min_ms\": %.1f, \"tokens_per_s\": %.1f, \"loss_first\": %.6f,"
                    + " \"loss_last\": %.6f, \"peak_rss_mib\": %d, \"forward_ms\": %.1f, \"optimizer_zero_ms\": %.1f}%n",
                    mode, batch, promptLength, responseLength, median, ms[0], tokens / (median / 1e3), first, last,
                    ProcessMemory.peakRssBytes() >> 20, fwd[steps / 2], opt2[steps / 2]);
        }
    }
}
