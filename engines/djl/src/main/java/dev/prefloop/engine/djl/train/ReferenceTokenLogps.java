package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PaddedBatch;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import dev.prefloop.engine.djl.weights.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ReferenceTokenLogps: the reference model's log-probability of every completion token of every pair, for losses
 * that sum the reference over sub-sequences drawn during training (SGDPO's pilots). Computed once before training
 * and cached in {@code OUT/ref_token_logps.safetensors} (F32 {@code chosen} and {@code rejected}, the pairs'
 * completions concatenated in order, metadata {@code fingerprint}).
 *
 * @param chosen per pair, the chosen completion's token logps (length n_c)
 * @param rejected per pair, the rejected completion's token logps (length n_r)
 */
public record ReferenceTokenLogps(float[][] chosen, float[][] rejected) {

    /** The cache's file name inside the output directory. */
    public static final String CACHE_FILE = "ref_token_logps.safetensors";

    /** The per-sequence sums, as the per-sequence losses read them. */
    public ReferenceTable sums() {
        return new ReferenceTable(sum(chosen), sum(rejected));
    }

    /** Every pair's reference token logps with {@code model}, no gradient, micro-batches as training cuts them. */
    public static ReferenceTokenLogps compute(LlamaModel model, List<TokenizedPair> pairs, int batchSize,
            long tokenBudget, long padId, Progress progress) {
        int[] all = new int[pairs.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        float[][] chosen = new float[all.length][];
        float[][] rejected = new float[all.length][];
        progress.start("reference token log-probabilities", "pairs", all.length);
        try (NDManager base = TorchRuntime.engine().newBaseManager(model.device())) {
            for (int[] micro : StepPlan.split(all, batchSize, i -> pairs.get(i).longestRow(), 2, tokenBudget)) {
                try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
                    scope.suppressNotUsedWarning();
                    PaddedBatch rows = PairRows.of(step, pairs, micro, padId);
                    PairTokens t = PairTokens.ofRows(model.logits(rows.inputIds(), rows.attentionMask(), null), rows,
                            micro.length);
                    float[][] c = CompletionColumns.values(t.chosenTokens(), CompletionColumns.of(t.chosenMask()));
                    float[][] r = CompletionColumns.values(t.rejectedTokens(), CompletionColumns.of(t.rejectedMask()));
                    for (int k = 0; k < micro.length; k++) {
                        chosen[micro[k]] = c[k];
                        rejected[micro[k]] = r[k];
                    }
                }
                progress.advance(micro.length);
            }
        } finally {
            progress.finish();
        }
        return new ReferenceTokenLogps(chosen, rejected);
    }

    /** The cached values at {@code file} if made for {@code fingerprint} and shaped like {@code pairs}, else null. */
    public static ReferenceTokenLogps readCache(Path file, String fingerprint, List<TokenizedPair> pairs) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        if (!fingerprint.equals(ReferenceLogps.storedFingerprint(file))) {
            return null;
        }
        Map<String, HostTensor> t = SafetensorsReader.read(file);
        return new ReferenceTokenLogps(split(t.get("chosen"), pairs, true, file), split(t.get("rejected"), pairs, false,
                file));
    }

    /** Writes the values with their fingerprint (atomically, as SafetensorsWriter writes). */
    public void writeCache(Path file, String fingerprint) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("chosen", flat(chosen));
        t.put("rejected", flat(rejected));
        Map<String, String> meta = new LinkedHashMap<>(SafetensorsWriter.PT_METADATA);
        meta.put("fingerprint", fingerprint);
        SafetensorsWriter.write(file, t, meta);
    }

    private static float[] sum(float[][] tokens) {
        float[] s = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            float acc = 0;
            for (float v : tokens[i]) {
                acc += v;
            }
            s[i] = acc;
        }
        return s;
    }

    private static HostTensor flat(float[][] rows) {
        int n = 0;
        for (float[] r : rows) {
            n += r.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] r : rows) {
            for (float v : r) {
                b.putFloat(v);
            }
        }
        b.flip();
        return new HostTensor("F32", new long[] {n}, b);
    }

    private static float[][] split(HostTensor t, List<TokenizedPair> pairs, boolean chosenSide, Path file) {
        long total = 0;
        for (TokenizedPair p : pairs) {
            total += chosenSide ? p.chosen().length : p.rejected().length;
        }
        if (t == null || !"F32".equals(t.dtype()) || t.numel() != total) {
            throw new ModelException(file + ": expected F32 tensors chosen and rejected of the pairs' completion token"
                    + " counts, got " + t + " (delete the file to recompute it)");
        }
        java.nio.FloatBuffer f = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[][] out = new float[pairs.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[chosenSide ? pairs.get(i).chosen().length : pairs.get(i).rejected().length];
            f.get(out[i]);
        }
        return out;
    }
}
