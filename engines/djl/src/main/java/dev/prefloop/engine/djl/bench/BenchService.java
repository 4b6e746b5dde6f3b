package dev.prefloop.engine.djl.bench;

import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.init.ModelPreset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.generate.Generation;
import dev.prefloop.engine.djl.generate.GenerationRequest;
import dev.prefloop.engine.djl.generate.Generator;
import dev.prefloop.engine.djl.generate.LinearMixing;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.loss.PreferenceLoss;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.RowParallel;
import dev.prefloop.engine.djl.train.AdamW;
import dev.prefloop.engine.djl.train.GradientClipping;
import dev.prefloop.engine.djl.train.PairLayout;
import dev.prefloop.engine.djl.train.PreferenceObjective;
import dev.prefloop.engine.djl.train.ProcessMemory;
import dev.prefloop.engine.djl.train.ReferenceLogps;
import dev.prefloop.engine.djl.train.ReferenceTable;
import dev.prefloop.engine.djl.train.TokenizedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BenchService runs torch_ref.py's workloads (../shared/bench/README.md) through prefloop's own
 * code paths: scoring with {@link LlamaModel#responseLogps}, a DPO step of the trainer's path
 * (preference objective, shared-prompt layout, AdamW), and sampling with the {@link Generator} (KV cache, one model or two in lockstep).
 * Timings are wall clock, median and min over measured iterations after warmup, fp32 on CPU.
 */
public final class BenchService {

    private static final Logger LOG = LoggerFactory.getLogger(BenchService.class);

    /**
     * A random model of a preset through {@code prefloop init}'s code: the same shapes as
     * torch_ref.py's presets, with transformers' initialisation (its norms are 1, torch_ref's
     * 1 + N(0, 0.1); throughput does not depend on the values). Compare both programs on one
     * directory, e.g. one made by torch_ref.py --make.
     */
    private static void randomModel(Path dir, ModelPreset preset, long seed) {
        new InitService().run(new InitSettings(preset, null, null, false, dir, seed, false));
    }

    /** Runs the selected benchmarks. */
    public BenchReport run(BenchSettings s) {
        if (s.threads() > 0) {
            TorchRuntime.setThreads(s.threads());
        }
        Path temp = null;
        try {
            Path modelDir = s.model();
            if (modelDir == null) {
                temp = Files.createTempDirectory("prefloop-bench-");
                modelDir = temp.resolve("model");
                randomModel(modelDir, s.preset(), s.seed());
            }
            Path refDir = s.ref();
            if (refDir == null && s.benches().contains("pilaf-decode")) {
                if (temp == null) {
                    temp = Files.createTempDirectory("prefloop-bench-");
                }
                refDir = temp.resolve("ref");
                randomModel(refDir, s.preset(), s.seed() + 1);
            }
            return run(s, modelDir, refDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary model directory: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                deleteTree(temp);
            }
        }
    }

    private BenchReport run(BenchSettings s, Path modelDir, Path refDir) {
        long t0 = System.nanoTime();
        try (LlamaModel model = LlamaModel.load(modelDir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("torch", TorchRuntime.describe());
            setup.put("threads", TorchRuntime.threads());
            setup.put("omp_wait_policy", System.getenv("OMP_WAIT_POLICY"));
            setup.put("malloc_mmap_threshold", System.getenv("MALLOC_MMAP_THRESHOLD_"));
            setup.put("malloc_trim_threshold", System.getenv("MALLOC_TRIM_THRESHOLD_"));
            setup.put("cpus", Runtime.getRuntime().availableProcessors());
            setup.put("java", System.getProperty("java.version"));
            setup.put("model", s.model() != null ? s.model().toString() : "random:" + s.preset().label() + ":seed" + s.seed());
            setup.put("total_params", model.parameterCount());
            setup.put("flop_params", flopParams(model));
            setup.put("load_s", round((System.nanoTime() - t0) / 1e9, 3));
            List<Map<String, Object>> results = new ArrayList<>();
            Double decodeTps = null;
            for (String bench : s.benches()) {
                LOG.info("bench {}: running", bench);
                CpuShare cpu = CpuShare.start();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("bench", bench);
                switch (bench) {
                    case "logps" -> r.putAll(logps(model, s));
                    case "dpo-step" -> r.putAll(dpoStep(modelDir, s));
                    case "decode" -> r.putAll(decode(List.of(model), LinearMixing.single(), s));
                    case "pilaf-decode" -> {
                        try (LlamaModel ref = LlamaModel.load(refDir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
                            r.putAll(decode(List.of(model, ref), LinearMixing.pilafOptimistic(s.beta()), s));
                            r.put("cost_vs_decode_paired", pairedCost(model, ref, s));
                        }
                        r.put("beta", s.beta());
                        r.put("ref", s.ref() != null ? s.ref().toString() : "random:seed" + (s.seed() + 1));
                        r.put("mixing", "softmax((1+beta)*h_policy - beta*h_ref), then temperature/top-p");
                        if (decodeTps != null) {
                            r.put("cost_vs_decode", round(decodeTps / (Double) r.get("tokens_per_s"), 3));
                        }
                    }
                    case "matmul" -> r.putAll(matmul());
                    default -> throw new IllegalStateException(bench);
                }
                if (bench.equals("decode")) {
                    decodeTps = (Double) r.get("tokens_per_s");
                }
                r.put("others_cpu_pct", cpu.othersPercent());
                LOG.info("bench {}: {}", bench, r);
                results.add(r);
            }
            return new BenchReport(setup, results);
        }
    }

    /** Forward-only scoring of B chosen rows: one masked logp sum per row. */
    private static Map<String, Object> logps(LlamaModel model, BenchSettings s) {
        int v = model.config().vocab_size();
        int t = s.promptLen() + s.responseLen();
        double[] ms = new double[s.steps()];
        float[] head = null;
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray ids = m.create(BenchInputs.rows(1, s.batch(), s.promptLen(), s.responseLen(), v));
            // The real mask, as `prefloop score` passes it: with right padding no real token attends to a pad either
            // way (torch_ref's causal attention alone gives the same values), but the trunk can skip the pad cells.
            NDArray mask = m.create(BenchInputs.attentionMask(1, s.batch(), s.promptLen(), s.responseLen()));
            NDArray response = m.create(BenchInputs.responseMask(1, s.batch(), s.promptLen(), s.responseLen()));
            for (int i = 0; i < s.warmup() + s.steps(); i++) {
                long t0 = System.nanoTime();
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    head = model.responseLogps(ids, mask, response).toFloatArray();
                }
                if (i >= s.warmup()) {
                    ms[i - s.warmup()] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        double med = median(ms);
        long tokens = (long) s.batch() * t;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch", s.batch());
        r.put("P", s.promptLen());
        r.put("R", s.responseLen());
        r.put("steps", s.steps());
        r.put("warmup", s.warmup());
        r.put("median_ms", round(med, 2));
        r.put("min_ms", round(min(ms), 2));
        r.put("seqs_per_s", round(s.batch() / med * 1e3, 2));
        r.put("tokens_per_s", round(tokens / med * 1e3, 1));
        r.put("gflops_per_s", round(2.0 * flopParams(model) * tokens / (med * 1e-3) / 1e9, 2));
        List<Double> h = new ArrayList<>();
        for (int i = 0; i < Math.min(4, head.length); i++) {
            h.add(round(head[i], 4));
        }
        r.put("logps_head", h);
        return r;
    }

    /**
     * One DPO step of the trainer's path on a private copy of the model: {@link PreferenceObjective} with the
     * shared-prompt layout (the prompt forwarded once, the LM head only where a completion token is predicted),
     * the sigmoid loss against reference sums computed once before the loop (as {@code prefloop train} does),
     * backward, then train/{@link AdamW} (lr 1e-5, no weight decay) and zeroed gradients. No clipping: torch_ref's
     * step has none.
     */
    private static Map<String, Object> dpoStep(Path modelDir, BenchSettings s) {
        Engine engine = TorchRuntime.engine();
        int b = s.batch();
        int t = s.promptLen() + s.responseLen();
        double[] ms = new double[s.steps()];
        float lossFirst = Float.NaN;
        float lossLast = Float.NaN;
        try (LlamaModel policy = LlamaModel.load(modelDir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager base = engine.newBaseManager()) {
            List<TokenizedPair> pairs = BenchInputs.pairs(b, s.promptLen(), s.responseLen(), policy.config().vocab_size());
            int[] all = new int[b];
            Arrays.setAll(all, i -> i);
            ReferenceTable reference = ReferenceLogps.compute(policy, pairs, b, 0, 0, Progress.NONE);
            PreferenceLoss loss = LossRegistry.create("sigmoid",
                    LossSettings.defaults().with("beta", Double.toString(s.beta())));
            PreferenceObjective objective = new PreferenceObjective(pairs, reference, loss, false, 0,
                    PairLayout.SHARED_PROMPT);
            Map<String, NDArray> params = policy.parameters();
            for (NDArray p : params.values()) {
                p.setRequiresGradient(true);
            }
            try (AdamW adam = new AdamW(params, 0.9, 0.999, 1e-8, 0.0)) {
                for (int i = 0; i < s.warmup() + s.steps(); i++) {
                    long t0 = System.nanoTime();
                    float value;
                    try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
                        scope.suppressNotUsedWarning();
                        // Native scalar: a Java number would be freed before backward reads it (djl-notes 2.3).
                        NDArray mean = step.full(new Shape(), 1f / b);
                        try (GradientCollector gc = engine.newGradientCollector()) {
                            NDArray l = objective.compute(policy, all, step).lossSum().mul(mean);
                            gc.backward(l);
                            value = l.getFloat();
                        }
                    }
                    adam.step(1e-5);
                    GradientClipping.zero(params);
                    lossFirst = i == 0 ? value : lossFirst;
                    lossLast = value;
                    if (i >= s.warmup()) {
                        ms[i - s.warmup()] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            double med = median(ms);
            long tokens = 2L * b * t;
            long n = flopParams(policy);
            long responseTokens = 0;
            for (TokenizedPair p : pairs) {
                responseTokens += p.chosen().length + p.rejected().length;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pairs", b);
            r.put("P", s.promptLen());
            r.put("R", s.responseLen());
            r.put("layout", "shared-prompt");
            r.put("tokens_per_step", tokens);
            r.put("response_tokens_per_step", responseTokens);
            r.put("steps", s.steps());
            r.put("warmup", s.warmup());
            r.put("median_ms", round(med, 2));
            r.put("min_ms", round(min(ms), 2));
            r.put("tokens_per_s", round(tokens / med * 1e3, 1));
            r.put("gflops_per_s", round(6.0 * n * tokens / (med * 1e-3) / 1e9, 2));
            r.put("gflops_per_s_best", round(6.0 * n * tokens / (min(ms) * 1e-3) / 1e9, 2));
            r.put("flop_formula", "6*flop_params*tokens_per_step/median (torch_ref's padded 2B(P+R) tokens)");
            r.put("loss_first", round(lossFirst, 6));
            r.put("loss_last", round(lossLast, 6));
            r.put("peak_rss_mib", ProcessMemory.peakRssBytes() >> 20);
            return r;
        }
    }

    /**
     * Batched sampling of G tokens for B prompts with the Generator (no EOS): one warmup run, then
     * {@code runs} runs; prefill is timed on its own to split a run into prefill and steps.
     */
    private static Map<String, Object> decode(List<LlamaModel> models, LinearMixing mixing, BenchSettings s) {
        int v = models.get(0).config().vocab_size();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int b = 0; b < s.batch(); b++) {
            requests.add(new GenerationRequest(Integer.toString(b), 0, BenchInputs.prompt(b, s.promptLen(), v)));
        }
        SamplingSettings sampling = SamplingSettings.sampling(s.temperature(), s.newTokens(), s.seed()).withTopP(s.topP());
        Generator generator = new Generator(models, mixing, sampling, Set.of(), null);
        List<Generation> first = generator.generate(requests); // warmup
        double[] total = new double[s.runs()];
        double[] prefill = new double[s.runs()];
        for (int i = 0; i < s.runs(); i++) {
            prefill[i] = prefillMs(models, requests, s);
            long t0 = System.nanoTime();
            generator.generate(requests);
            total[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] tps = new double[s.runs()];
        for (int i = 0; i < tps.length; i++) {
            tps[i] = (double) s.batch() * s.newTokens() / total[i] * 1e3;
        }
        double prefillMs = median(prefill);
        // A step = one sampling + one forward of every model; G samplings and G - 1 forwards per run.
        double stepMs = (median(total) - prefillMs) / s.newTokens();
        long n = 0;
        for (LlamaModel m : models) {
            n += flopParams(m);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch", s.batch());
        r.put("P", s.promptLen());
        r.put("G", s.newTokens());
        r.put("runs", s.runs());
        r.put("temperature", s.temperature());
        r.put("top_p", s.topP());
        r.put("median_ms", round(median(total), 2));
        r.put("min_ms", round(min(total), 2));
        r.put("tokens_per_s", round(median(tps), 1));
        r.put("tokens_per_s_best", round(max(tps), 1));
        r.put("prefill_ms", round(prefillMs, 2));
        r.put("step_ms_median", round(stepMs, 3));
        r.put("decode_tokens_per_s", round(s.batch() / stepMs * 1e3, 1));
        r.put("decode_gflops_per_s", round(2.0 * n * s.batch() / (stepMs * 1e-3) / 1e9, 2));
        r.put("first_tokens", Arrays.stream(first.get(0).tokens()).limit(8).boxed().toList());
        return r;
    }

    /**
     * The lockstep cost measured in back-to-back pairs (a plain decode run, then a lockstep run, of
     * the same prompts), median over {@code runs} pairs of lockstep time / plain time: less exposed
     * to the machine's drift than two benchmarks run minutes apart.
     */
    private static double pairedCost(LlamaModel model, LlamaModel ref, BenchSettings s) {
        int v = model.config().vocab_size();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int b = 0; b < s.batch(); b++) {
            requests.add(new GenerationRequest(Integer.toString(b), 0, BenchInputs.prompt(b, s.promptLen(), v)));
        }
        SamplingSettings sampling = SamplingSettings.sampling(s.temperature(), s.newTokens(), s.seed()).withTopP(s.topP());
        Generator plain = Generator.single(model, sampling, Set.of(), null);
        Generator lockstep = new Generator(List.of(model, ref), LinearMixing.pilafOptimistic(s.beta()), sampling, Set.of(),
                null);
        double[] ratio = new double[s.runs()];
        for (int i = 0; i < s.runs(); i++) {
            long t0 = System.nanoTime();
            plain.generate(requests);
            long t1 = System.nanoTime();
            lockstep.generate(requests);
            ratio[i] = (double) (System.nanoTime() - t1) / (t1 - t0);
        }
        return round(median(ratio), 3);
    }

    private static double prefillMs(List<LlamaModel> models, List<GenerationRequest> requests, BenchSettings s) {
        long[][] ids = requests.stream().map(GenerationRequest::promptIds).toArray(long[][]::new);
        try (NDManager m = TorchRuntime.engine().newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray idArray = m.create(ids);
            NDArray mask = m.ones(idArray.getShape(), DataType.INT64);
            long t0 = System.nanoTime();
            // As the Generator prefills: models in lockstep at the same time, each with its share of the threads.
            int each = Math.max(1, TorchRuntime.threads() / models.size());
            RowParallel.run(models.size(), models.size(), each, (i, from, to) -> {
                LlamaModel model = models.get(i);
                try (var cache = model.newCache(m, ids.length, s.promptLen() + s.newTokens())) {
                    return model.prefill(cache, idArray, mask).toFloatArray();
                }
            });
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** fp32 GEMM rate at n = 512, 1024, 2048: the machine's state at the time of a run. */
    private static Map<String, Object> matmul() {
        Map<String, Object> byN = new LinkedHashMap<>();
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            for (int n : new int[] {512, 1024, 2048}) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray x = m.randomNormal(new Shape(n, n));
                    NDArray y = m.randomNormal(new Shape(n, n));
                    x.matMul(y).close();
                    int reps = Math.max(5, (int) (4e9 / ((double) n * n * n)));
                    double[] ms = new double[reps];
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        x.matMul(y).close();
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    byN.put(Integer.toString(n), round(2.0 * n * n * n / median(ms) / 1e6, 1));
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("dtype", "float32");
        r.put("gflops_by_n", byN);
        return r;
    }

    /** Weights that take part in matmuls: every Linear of the layers plus the LM head (torch_ref's flop_params). */
    static long flopParams(LlamaModel model) {
        long n = 0;
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            String k = e.getKey();
            if (k.endsWith("proj.weight") || k.equals("lm_head.weight")) {
                n += e.getValue().size();
            }
        }
        if (model.config().tie_word_embeddings()) {
            n += model.parameters().get("model.embed_tokens.weight").size();
        }
        return n;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double min(double[] x) {
        return Arrays.stream(x).min().orElseThrow();
    }

    private static double max(double[] x) {
        return Arrays.stream(x).max().orElseThrow();
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
