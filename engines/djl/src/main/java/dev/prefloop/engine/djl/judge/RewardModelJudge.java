package dev.prefloop.engine.djl.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RewardModelJudge is {@code rm:DIR}: a {@code *ForSequenceClassification} model with one label
 * scores prompt_ids + response ids, batched and left-padded with the config's pad_token_id, as
 * transformers pools (the rightmost id that is not the pad id). Requests without token ids are
 * tokenized by {@link RewardModelInput} with the model directory's tokenizer and chat template.
 */
public final class RewardModelJudge implements PointwiseJudge {

    /** Sequences per forward pass. */
    static final int ROWS = 8;

    private final String dir;
    private final LlamaModel model;
    private final RewardModelInput text;

    /** The judge {@code rm:dir} over {@code model}, loaded from {@code modelDir}. */
    public RewardModelJudge(String dir, Path modelDir, LlamaModel model) {
        if (model.config().head() != ModelHead.SEQUENCE_CLASSIFICATION) {
            model.close();
            throw new ModelException("rm:" + dir + ": " + model.config().architecture() + " is not a"
                    + " *ForSequenceClassification reward model");
        }
        if (model.config().num_labels() != 1) {
            int n = model.config().num_labels();
            model.close();
            throw new ModelException("rm:" + dir + ": a reward model has one label (a score); this one has " + n);
        }
        this.dir = dir;
        this.model = model;
        this.text = new RewardModelInput("rm:" + dir, modelDir, model.config().vocab_size());
    }

    @Override
    public double[] score(List<ScoreRequest> batch) {
        // the model reads prompt then response; text requests are tokenized whole (the prompt part stays empty)
        List<long[]> firsts = new ArrayList<>(batch.size());
        List<long[]> seconds = new ArrayList<>(batch.size());
        for (ScoreRequest r : batch) {
            boolean ids = r.promptIds() != null && r.response().ids() != null;
            firsts.add(ids ? r.promptIds() : text.ids(r));
            seconds.add(ids ? r.response().ids() : new long[0]);
        }
        Long pad = model.config().pad_token_id();
        // Without a pad id transformers can pool only one unpadded row per batch.
        int rows = pad == null ? 1 : ROWS;
        double[] out = new double[batch.size()];
        for (int from = 0; from < batch.size(); from += rows) {
            int to = Math.min(batch.size(), from + rows);
            List<long[]> prompts = firsts.subList(from, to);
            List<long[]> responses = seconds.subList(from, to);
            try (NDScope scope = new NDScope();
                    NDManager m = TorchRuntime.engine().newBaseManager(model.device())) {
                scope.suppressNotUsedWarning();
                PaddedBatch b = PaddedBatch.leftPadded(m, prompts, responses, pad == null ? 0 : pad);
                NDArray s = model.scores(b.inputIds(), b.attentionMask()); // (B, 1)
                float[] v = s.toFloatArray();
                for (int i = 0; i < to - from; i++) {
                    out[from + i] = v[i];
                }
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return "rm:" + dir;
    }

    @Override
    public void close() {
        text.close();
        model.close();
    }
}
