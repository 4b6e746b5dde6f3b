package dev.prefloop.engine.djl.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * SequenceScorer runs one left-padded batch through a model and stores each sequence's results:
 * the completion's log-probability sum (and terms) for a causal LM, the scores of a reward model.
 * Every batch runs in its own NDScope and sub-manager, so native memory stays flat however many
 * batches run.
 */
public final class SequenceScorer implements AutoCloseable {

    private final LlamaModel model;
    private final boolean perToken;
    private final NDManager base;
    private final long padId;

    /** A scorer over {@code model}; with {@code perToken} causal LMs also keep every term. */
    public SequenceScorer(LlamaModel model, boolean perToken) {
        this.model = model;
        this.perToken = perToken;
        this.base = TorchRuntime.engine().newBaseManager(model.device());
        // A reward model pools the rightmost non-pad id, so pads must be pad_token_id; a causal LM masks them.
        Long pad = model.config().pad_token_id();
        this.padId = pad != null ? pad : 0;
    }

    /** The most sequences one batch may hold: 1 for a reward model without pad_token_id (transformers' rule). */
    public int maxBatch(int wanted) {
        boolean reward = model.config().head() == ModelHead.SEQUENCE_CLASSIFICATION;
        return reward && model.config().pad_token_id() == null ? 1 : wanted;
    }

    /** Scores one batch in place. */
    public void score(List<ScoredSequence> batch) {
        List<long[]> prompts = new ArrayList<>(batch.size());
        List<long[]> completions = new ArrayList<>(batch.size());
        for (ScoredSequence s : batch) {
            prompts.add(s.prompt);
            completions.add(s.completion);
        }
        try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
            scope.suppressNotUsedWarning();
            PaddedBatch b = PaddedBatch.leftPadded(step, prompts, completions, padId);
            if (model.config().head() == ModelHead.SEQUENCE_CLASSIFICATION) {
                NDArray scores = model.scores(b.inputIds(), b.attentionMask()); // (B, L)
                int labels = (int) scores.getShape().get(1);
                float[] all = scores.toType(DataType.FLOAT32, false).toFloatArray();
                for (int r = 0; r < batch.size(); r++) {
                    float[] row = new float[labels];
                    System.arraycopy(all, r * labels, row, 0, labels);
                    batch.get(r).scores = row;
                }
                return;
            }
            // Completions fill the last columns of the left-padded rows: only those are scored, so the head runs on
            // the columns predicting them (column 0 has no predecessor).
            int t = Math.toIntExact(b.inputIds().getShape().get(1));
            int from = Math.max(1, t - completions.stream().mapToInt(c -> c.length).max().orElse(0));
            if (from >= t) {
                from = t - 1; // no completion tokens: one column scored, masked to 0
            }
            NDArray marks = b.responseMask().get(new NDIndex().addAllDim().addSliceDim(from, t)); // (B, t - from)
            NDArray perTokenLogps = model.tokenLogps(b.inputIds(), b.attentionMask(), from, t, marks); // (B, t - from)
            float[] sums = perTokenLogps.sum(new int[] {1}).toFloatArray();
            float[] terms = perToken ? perTokenLogps.toFloatArray() : null;
            int width = t - from;
            for (int r = 0; r < batch.size(); r++) {
                ScoredSequence s = batch.get(r);
                s.logpSum = sums[r];
                if (terms != null) {
                    // the completion fills the last R columns of ids; column j of the terms scores id from + j
                    int n = s.completion.length;
                    s.tokenLogps = new float[n];
                    System.arraycopy(terms, r * width + width - n, s.tokenLogps, 0, n);
                }
            }
        }
    }

    /** Arrays this scorer's manager holds now (0 between batches); tests check it. */
    public int arraysHeld() {
        return base.getManagedArrays().size();
    }

    @Override
    public void close() {
        base.close();
    }
}
