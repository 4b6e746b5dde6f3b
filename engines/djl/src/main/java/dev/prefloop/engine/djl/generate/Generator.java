package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.KvCache;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.model.RowParallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Generator decodes batches of left-padded prompts with a KV cache per model: one model, or
 * several stepped in lockstep on the same sampled tokens with their logits mixed before sampling
 * (PILAF's mechanism). Rows that finish are dropped from the batch, so they stop costing compute.
 *
 * <p>Each step: mix the models' raw logits (B, V); run the {@link LogitsPipeline}; take the
 * argmax (temperature 0) or draw by inverse CDF with one uniform per row from the row's own
 * {@link SequenceRandom} stream (so a row's tokens do not depend on its batch); record the
 * token's log-probability under the processed distribution and under each raw model; stop rows on
 * an EOS id, a stop string or max_new_tokens; feed the surviving rows' tokens to every model.
 *
 * <p>Models in lockstep run their forward passes at the same time, one thread each
 * ({@link #lockstep}). On the CPU a batch runs as sub-batches at the same time when there are
 * threads to spare (n intra-op threads, m models: up to n / m sub-batches); see
 * {@link #generate(List)}.
 *
 * <p>Native memory: every step runs in an NDScope; only the caches, the next logits and the
 * seen-token mask outlive a step, on a manager closed when the batch is done.
 */
public final class Generator {

    private final List<LlamaModel> models;
    private final LogitsMixing mixing;
    private final SamplingSettings settings;
    private final LogitsPipeline pipeline;
    private final Set<Long> eosIds;
    private final Detokenizer detokenizer;
    private final int decodeThreads;
    private final boolean splitBatches; // false once withDecodeThreads set the threads
    private final long weightBytes; // all models' weights

    /**
     * A generator over {@code models} (policy first), mixed by {@code mixing}.
     *
     * @param eosIds ids that end a sequence (from {@link GenerationConfig}); empty for none
     * @param detokenizer null when the models come with ids only; then stop strings are refused
     */
    public Generator(List<LlamaModel> models, LogitsMixing mixing, SamplingSettings settings, Set<Long> eosIds,
            Detokenizer detokenizer) {
        if (models.isEmpty() || mixing.models() != models.size()) {
            throw new IllegalArgumentException(models.size() + " models for a mixing of " + mixing.models());
        }
        LlamaModel first = models.get(0);
        for (LlamaModel m : models) {
            if (m.config().head() != ModelHead.CAUSAL_LM) {
                throw new IllegalArgumentException(m.config().architecture() + " is not a causal LM");
            }
            if (m.config().vocab_size() != first.config().vocab_size()) {
                // Mixing logits is mixing log-probabilities only over one shared vocabulary (algorithms.md 1).
                throw new IllegalArgumentException("models in lockstep need one vocabulary: vocab_size "
                        + first.config().vocab_size() + " vs " + m.config().vocab_size());
            }
            if (!m.device().equals(first.device())) {
                throw new IllegalArgumentException("models in lockstep must share a device: " + first.device()
                        + " vs " + m.device());
            }
        }
        if (!settings.stop_strings().isEmpty() && detokenizer == null) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the output; this model is"
                    + " used with token ids only, so stop strings are unavailable");
        }
        this.models = List.copyOf(models);
        this.mixing = mixing;
        this.settings = settings;
        this.pipeline = new LogitsPipeline(settings);
        this.eosIds = Set.copyOf(eosIds);
        this.detokenizer = detokenizer;
        this.decodeThreads = defaultDecodeThreads(this.models);
        this.splitBatches = true;
        this.weightBytes = weightBytes(this.models);
    }

    /** Weights up to this size decode fastest on one thread; larger ones are bound by memory bandwidth. */
    static final long ONE_THREAD_WEIGHT_BYTES = 64L << 20;

    /**
     * 1 intra-op thread for the one-token steps when the models' weights total less than 64 MiB (about a CPU's
     * last-level cache: the step is bound by per-op overhead, and waking a second OpenMP thread per op costs more
     * than it saves), else the caller's setting (0): a larger step streams its weights from memory, and a second
     * thread adds bandwidth. Models in lockstep run concurrently and split the caller's threads between them.
     * Measured on this project's 2-core machine, B = 8, 64 new tokens, alternating in one
     * process: tiny (20 MB) 1 thread 825 ms vs 2 threads 920 ms by median; small (126 MB) 3,500 vs 3,040 ms.
     */
    static int defaultDecodeThreads(List<LlamaModel> models) {
        if (models.size() > 1) {
            // Lockstep runs the models' passes at the same time: each gets its share of the threads, not all of them.
            return Math.max(1, TorchRuntime.threads() / models.size());
        }
        return decodeThreadsFor(weightBytes(models));
    }

    /**
     * Models of 64 MiB of weights or more decode as at most this many sub-batches: every sub-batch streams all the
     * weights each step, so more of them would multiply the memory traffic; the threads left over go to each
     * sub-batch's intra-op pool instead.
     */
    static final int MEMORY_BOUND_GROUPS = 2;

    /**
     * How many sub-batches {@code n} requests decode as with {@code threads} intra-op threads and {@code models}
     * models (one thread per model at least): one per spare thread for cache-sized weights, whose steps are per-op
     * overhead, at most {@link #MEMORY_BOUND_GROUPS} beyond 64 MiB.
     */
    static int groupsFor(int n, int threads, int models, long weightBytes) {
        int groups = Math.max(1, Math.min(n, threads / models));
        return weightBytes < ONE_THREAD_WEIGHT_BYTES ? groups : Math.min(groups, MEMORY_BOUND_GROUPS);
    }

    /** The bytes of all the models' weights. */
    static long weightBytes(List<LlamaModel> models) {
        long bytes = 0;
        for (LlamaModel m : models) {
            bytes += m.parameterCount() * (m.dataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? 4 : 2);
        }
        return bytes;
    }

    /** {@link #defaultDecodeThreads} for models of {@code weightBytes} in all. */
    static int decodeThreadsFor(long weightBytes) {
        return weightBytes < ONE_THREAD_WEIGHT_BYTES ? 1 : 0;
    }

    private Generator(Generator g, int decodeThreads) {
        this.models = g.models;
        this.mixing = g.mixing;
        this.settings = g.settings;
        this.pipeline = g.pipeline;
        this.eosIds = g.eosIds;
        this.detokenizer = g.detokenizer;
        this.decodeThreads = decodeThreads;
        this.splitBatches = false;
        this.weightBytes = g.weightBytes;
    }

    /**
     * This generator with {@code threads} libtorch intra-op threads per model for the one-token
     * steps (0 = the calling thread's setting), each batch decoded as one (no sub-batches). Without
     * it, a batch that cannot be split (one row, or lockstep with no thread to spare) steps with
     * {@link #defaultDecodeThreads}: 1 for models under 64 MiB of weights, where a step's ~200 small
     * ops each pay for waking a second OpenMP thread (tiny model, B = 8: 3.2-3.7 ms per step with 1
     * thread, 4.9-7.1 ms with 2; docs/benchmarks.md), the caller's setting for larger ones. Prefill
     * runs with the caller's threads (as blocks of rows, {@link LlamaModel#prefill}), split between
     * models in lockstep; GPUs ignore the setting.
     */
    public Generator withDecodeThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("decode threads must be >= 0, got " + threads);
        }
        return new Generator(this, threads);
    }

    /** One model, no mixing. */
    public static Generator single(LlamaModel model, SamplingSettings settings, Set<Long> eosIds, Detokenizer detokenizer) {
        return new Generator(List.of(model), LinearMixing.single(), settings, eosIds, detokenizer);
    }

    /** The settings decoding runs with. */
    public SamplingSettings settings() {
        return settings;
    }

    /** Decodes the requests in batches of at most {@code batchSize}, results in request order. */
    public List<Generation> generate(List<GenerationRequest> requests, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<Generation> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i += batchSize) {
            out.addAll(generateFrom(requests.subList(i, Math.min(requests.size(), i + batchSize)), i));
        }
        return out;
    }

    /**
     * Decodes all requests, results in request order. On the CPU with n intra-op threads and m models, unless
     * {@link #withDecodeThreads} set the threads, the requests run as sub-batches at the same time
     * ({@link RowParallel}): n / m of them, one intra-op thread per model each, for weights under 64 MiB, where a
     * step of a small batch is mostly per-op overhead that one thread pays no matter how many rows it carries;
     * at most {@link #MEMORY_BOUND_GROUPS} for larger weights, the other threads in their intra-op pools. Rows are
     * independent and each draws from its own stream, so the tokens are the same.
     */
    public List<Generation> generate(List<GenerationRequest> requests) {
        return generateFrom(requests, 0);
    }

    /** {@link #generate(List)} of requests that start at index {@code first} of the call's (for per-request mixing). */
    private List<Generation> generateFrom(List<GenerationRequest> requests, long first) {
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        int threads = TorchRuntime.threads();
        boolean independent = models.stream().allMatch(LlamaModel::rowsIndependent);
        int groups = splitBatches && independent && RowParallel.blocks(models.get(0).device(), n, threads) > 1
                ? groupsFor(n, threads, models.size(), weightBytes) : 1;
        if (groups == 1) {
            int stepThreads = decodeThreads > 0 ? decodeThreads : threads;
            return generateBatch(requests, first, stepThreads);
        }
        int perModel = Math.max(1, threads / (groups * models.size()));
        int stepThreads = decodeThreadsFor(weightBytes) == 1 ? 1 : perModel;
        List<List<Generation>> parts = RowParallel.run(groups, n, perModel * models.size(),
                (i, from, to) -> generateBatch(requests.subList((int) from, (int) to), first + from, stepThreads));
        List<Generation> out = new ArrayList<>(n);
        parts.forEach(out::addAll);
        return out;
    }

    /**
     * Decodes all requests as one batch, the one-token steps with {@code stepThreads} intra-op threads per model;
     * request r is request {@code firstRequest + r} of the call.
     */
    private List<Generation> generateBatch(List<GenerationRequest> requests, long firstRequest, int stepThreads) {
        int n = requests.size();
        int maxNew = settings.max_new_tokens();
        Rows rows = new Rows(requests, maxNew, settings.seed(), models.size(), settings.stop_strings());
        int promptLen = Arrays.stream(rows.prompts).mapToInt(p -> p.length).max().orElseThrow();
        int vocab = models.get(0).config().vocab_size();
        int callerThreads = TorchRuntime.threads();
        try (NDManager batch = TorchRuntime.engine().newBaseManager(models.get(0).device())) {
            KvCache[] caches = new KvCache[models.size()];
            NDArray[] logits = new NDArray[models.size()]; // each (B, V) float32, outliving one step
            NDArray seen = null; // (B, V) boolean
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                long[][] ids = new long[n][promptLen];
                long[][] mask = new long[n][promptLen];
                for (int r = 0; r < n; r++) {
                    int pad = promptLen - rows.prompts[r].length;
                    System.arraycopy(rows.prompts[r], 0, ids[r], pad, rows.prompts[r].length);
                    Arrays.fill(mask[r], pad, promptLen, 1L);
                }
                NDArray idArray = batch.create(ids); // (B, T), pad id 0: pads are masked
                NDArray maskArray = batch.create(mask); // (B, T)
                for (int i = 0; i < models.size(); i++) {
                    caches[i] = models.get(i).newCache(batch, n, promptLen + maxNew);
                }
                // Models in lockstep prefill at the same time, so each gets its share of the caller's threads.
                int prefillThreads = Math.max(1, callerThreads / models.size());
                NDArray[] first = lockstep(prefillThreads,
                        i -> float32(models.get(i).prefill(caches[i], idArray, maskArray)));
                for (int i = 0; i < models.size(); i++) {
                    logits[i] = keep(first[i]);
                }
                if (pipeline.needsSeenTokens()) {
                    seen = keep(seenInPrompts(batch, rows.prompts, vocab));
                }
            }
            long[] active = new long[n]; // batch row -> request index
            Arrays.setAll(active, r -> r);
            TorchRuntime.setThreads(stepThreads);
            while (true) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    int b = active.length;
                    // Rows draw independently: with threads to spare (a whole batch, e.g. models in lockstep) the
                    // rows draw as blocks at the same time, one thread each.
                    int blocks = RowParallel.blocks(batch.getDevice(), b, callerThreads);
                    long[] stepActive = active;
                    NDArray stepSeen = seen;
                    Draw draw = blocks == 1 ? draw(logits, stepSeen, rows, stepActive, firstRequest, 0, b)
                            : Draw.concat(RowParallel.run(blocks, b, (i, from, to) ->
                                    draw(logits, stepSeen, rows, stepActive, firstRequest, (int) from, (int) to)));
                    NDArray column = batch.create(draw.tokens()).reshape(b, 1); // (B, 1)
                    long[] survivors = rows.record(active, draw.tokens(), draw.sampleLp(), draw.modelLp(), eosIds,
                            detokenizer);
                    if (survivors.length == 0) {
                        break;
                    }
                    NDArray next = column;
                    if (seen != null) {
                        seen = replace(seen, seen.scatter(column, batch.ones(new Shape(b, 1), DataType.BOOLEAN), 1));
                    }
                    if (survivors.length < b) {
                        long[] keepRows = rows.positionsOf(active, survivors);
                        NDArray index = batch.create(keepRows);
                        for (KvCache c : caches) {
                            c.keepRows(keepRows);
                        }
                        next = column.get(index);
                        if (seen != null) {
                            seen = replace(seen, seen.get(index));
                        }
                    }
                    active = survivors;
                    NDArray fed = next;
                    NDArray[] fresh = lockstep(stepThreads, i -> float32(models.get(i).decodeStep(caches[i], fed)));
                    for (int i = 0; i < models.size(); i++) {
                        logits[i] = replace(logits[i], fresh[i]);
                    }
                }
            }
            for (KvCache c : caches) {
                c.close();
            }
        } finally {
            TorchRuntime.setThreads(callerThreads);
        }
        return rows.results(detokenizer);
    }

    /** The tokens rows of a batch drew in one step, with their log-probabilities. */
    private record Draw(long[] tokens, float[] sampleLp, float[][] modelLp) {

        /** Blocks of rows, in order, as one. */
        static Draw concat(List<Draw> blocks) {
            int n = blocks.stream().mapToInt(d -> d.tokens.length).sum();
            int models = blocks.get(0).modelLp.length;
            long[] tokens = new long[n];
            float[] sampleLp = new float[n];
            float[][] modelLp = new float[models][n];
            int at = 0;
            for (Draw d : blocks) {
                int k = d.tokens.length;
                System.arraycopy(d.tokens, 0, tokens, at, k);
                System.arraycopy(d.sampleLp, 0, sampleLp, at, k);
                for (int i = 0; i < models; i++) {
                    System.arraycopy(d.modelLp[i], 0, modelLp[i], at, k);
                }
                at += k;
            }
            return new Draw(tokens, sampleLp, modelLp);
        }
    }

    /**
     * The next token of batch rows [from, to): the models' logits mixed, the processors run, a draw from each row's
     * own stream (or the argmax at temperature 0), and the token's log-probability under the processed distribution
     * and under each raw model.
     */
    private Draw draw(NDArray[] logits, NDArray seen, Rows rows, long[] active, long firstRequest, int from, int to) {
        boolean all = from == 0 && to == active.length;
        NDIndex block = new NDIndex().addSliceDim(from, to);
        List<NDArray> raw = new ArrayList<>(logits.length);
        for (NDArray l : logits) {
            raw.add(all ? l : l.get(block)); // (b, V)
        }
        long[] part = all ? active : Arrays.copyOfRange(active, from, to);
        long[] ofCall = firstRequest == 0 ? part : Arrays.stream(part).map(r -> r + firstRequest).toArray();
        NDArray seenRows = seen == null || all ? seen : seen.get(block); // (b, V)
        NDArray scores = pipeline.apply(mixing.mix(raw, ofCall), seenRows); // (b, V)
        NDArray logp = scores.logSoftmax(1); // (b, V)
        NDArray token = settings.greedy() ? scores.argMax(1) : drawInverseCdf(logp, rows, part); // (b)
        NDArray column = token.reshape(to - from, 1); // (b, 1)
        float[][] modelLp = new float[raw.size()][];
        for (int i = 0; i < raw.size(); i++) {
            modelLp[i] = raw.get(i).logSoftmax(1).gather(column, 1).toFloatArray();
        }
        return new Draw(token.toLongArray(), logp.gather(column, 1).toFloatArray(), modelLp);
    }

    /**
     * {@code forward.apply(i)} for every model i, at the same time: model 0 on this thread, each other on a worker
     * thread, each with {@code threads} intra-op threads ({@link RowParallel}, one block per model). A decoding step
     * of a small batch is mostly per-op overhead on one core, so two models in lockstep cost far less than two
     * passes in a row; the passes are independent (own weights, own KV cache), so the results are those of running
     * them one after the other. Result 0 is made in the caller's NDScope, the others outside any of its scopes.
     */
    private NDArray[] lockstep(int threads, IntFunction<NDArray> forward) {
        if (models.size() == 1) {
            return new NDArray[] {forward.apply(0)};
        }
        return RowParallel.run(models.size(), models.size(), threads, (i, from, to) -> forward.apply(i))
                .toArray(new NDArray[0]);
    }

    /** Inverse-CDF draws (B) int64 from log-probabilities (B, V), one uniform per row from its stream. */
    private static NDArray drawInverseCdf(NDArray logp, Rows rows, long[] active) {
        float[] u = new float[active.length];
        for (int r = 0; r < u.length; r++) {
            u[r] = (float) SequenceRandom.uniform(rows.random[(int) active[r]]);
        }
        return drawInverseCdf(logp, u);
    }

    /** Inverse-CDF draws (B) int64 from log-probabilities (B, V) with the uniforms u (B) in (0, 1]. */
    static NDArray drawInverseCdf(NDArray logp, float[] u) {
        NDManager m = logp.getManager();
        int b = u.length;
        long v = logp.getShape().get(1);
        NDArray cdf = logp.exp().cumSum(1); // (B, V)
        NDArray total = cdf.get(new NDIndex().addAllDim().addSliceDim(v - 1, v)); // (B, 1), about 1
        NDArray target = m.create(u, new Shape(b, 1)).mul(total); // (B, 1) in (0, total]
        // The first token whose cumulative mass reaches the target; zero-mass tokens are never picked.
        NDArray index = cdf.lt(target).toType(DataType.INT64, false).sum(new int[] {1}); // (B)
        return index.minimum(m.full(new Shape(), v - 1, DataType.INT64));
    }

    private static NDArray seenInPrompts(NDManager m, long[][] prompts, int vocab) {
        boolean[] seen = new boolean[prompts.length * vocab];
        for (int r = 0; r < prompts.length; r++) {
            for (long id : prompts[r]) {
                if (id >= 0 && id < vocab) {
                    seen[r * vocab + (int) id] = true;
                }
            }
        }
        return m.create(seen, new Shape(prompts.length, vocab));
    }

    private static NDArray float32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    private static NDArray replace(NDArray old, NDArray fresh) {
        NDScope.unregister(fresh);
        old.close();
        return fresh;
    }

    /** The Java-side state of every request of a batch: tokens so far, sums, finish reasons. */
    private static final class Rows {
        final long[][] prompts;
        final long[][] tokens;
        final int[] count;
        final double[] sampleLogp;
        final double[][] modelLogps;
        final FinishReason[] finish;
        final SplittableRandom[] random;
        final int maxNew;
        final List<String> stops;

        Rows(List<GenerationRequest> requests, int maxNew, long seed, int models, List<String> stops) {
            int n = requests.size();
            this.maxNew = maxNew;
            this.stops = stops;
            prompts = new long[n][];
            tokens = new long[n][maxNew];
            count = new int[n];
            sampleLogp = new double[n];
            modelLogps = new double[n][models];
            finish = new FinishReason[n];
            random = new SplittableRandom[n];
            for (int r = 0; r < n; r++) {
                GenerationRequest q = requests.get(r);
                prompts[r] = q.promptIds();
                random[r] = SequenceRandom.of(seed, q.recordId(), q.sampleIndex());
            }
        }

        /** Appends one step's tokens and log-probabilities; returns the requests still running. */
        long[] record(long[] active, long[] stepTokens, float[] sampleLp, float[][] modelLp, Set<Long> eos,
                Detokenizer detokenizer) {
            long[] survivors = new long[active.length];
            int s = 0;
            for (int r = 0; r < active.length; r++) {
                int q = (int) active[r];
                tokens[q][count[q]++] = stepTokens[r];
                sampleLogp[q] += sampleLp[r];
                for (int i = 0; i < modelLp.length; i++) {
                    modelLogps[q][i] += modelLp[i][r];
                }
                if (eos.contains(stepTokens[r])) {
                    finish[q] = FinishReason.EOS;
                } else if (detokenizer != null && hitsStopString(q, detokenizer)) {
                    finish[q] = FinishReason.STOP;
                } else if (count[q] == maxNew) {
                    finish[q] = FinishReason.LENGTH;
                } else {
                    survivors[s++] = q;
                }
            }
            return Arrays.copyOf(survivors, s);
        }

        private boolean hitsStopString(int q, Detokenizer detokenizer) {
            if (stops.isEmpty()) {
                return false;
            }
            String text = detokenizer.decode(Arrays.copyOf(tokens[q], count[q]));
            for (String stop : stops) {
                if (text.contains(stop)) {
                    return true;
                }
            }
            return false;
        }

        /** Batch rows (positions in {@code active}) of the requests in {@code survivors}, in order. */
        long[] positionsOf(long[] active, long[] survivors) {
            long[] out = new long[survivors.length];
            int r = 0;
            for (int i = 0; i < survivors.length; i++) {
                while (active[r] != survivors[i]) {
                    r++;
                }
                out[i] = r;
            }
            return out;
        }

        List<Generation> results(Detokenizer detokenizer) {
            List<Generation> out = new ArrayList<>(tokens.length);
            for (int q = 0; q < tokens.length; q++) {
                long[] ids = Arrays.copyOf(tokens[q], count[q]);
                out.add(new Generation(ids, detokenizer == null ? null : detokenizer.decode(ids), finish[q],
                        sampleLogp[q], modelLogps[q].clone()));
            }
            return out;
        }
    }
}
