package dev.prefloop.engine.djl.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * RewardModelJudge is {@code rm:DIR}: a {@code *ForSequenceClassification} model with one label
 * scores prompt_ids + response ids, batched and left-padded with the config's pad_token_id, as
 * transformers pools (the rightmost id that is not the pad id). It reads token ids only: text
 * candidates need the chat template and tokenizer, which prefloop does not have yet.
 */
public final class RewardModelJudge implements PointwiseJudge {

    /** Sequences per forward pass. */
    static final int ROWS = 8;

    private final String dir;
    private final LlamaModel model;

    public RewardModelJudge(String dir, LlamaModel model) {
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
    }

    @Override
    public double[] score(List<ScoreRequest> batch) {
        for (ScoreRequest r : batch) {
            if (r.promptIds() == null || r.response().ids() == null) {
                throw new JudgeException("rm:" + dir + ": request '" + r.id() + "' has no token ids; rm: scores"
                        + " candidates that carry prompt_ids and completions_ids (text needs the chat template and"
                        + " tokenizer, not in prefloop yet; a served model works through rm-http:)");
            }
        }
        Long pad = model.config().pad_token_id();
        // Without a pad id transformers can pool only one unpadded row per batch.
        int rows = pad == null ? 1 : ROWS;
        double[] out = new double[batch.size()];
        for (int from = 0; from < batch.size(); from += rows) {
            List<ScoreRequest> chunk = batch.subList(from, Math.min(batch.size(), from + rows));
            List<long[]> prompts = new ArrayList<>();
            List<long[]> responses = new ArrayList<>();
            chunk.forEach(r -> {
                prompts.add(r.promptIds());
                responses.add(r.response().ids());
            });
            try (NDScope scope = new NDScope();
                    NDManager m = TorchRuntime.engine().newBaseManager(model.device())) {
                scope.suppressNotUsedWarning();
                PaddedBatch b = PaddedBatch.leftPadded(m, prompts, responses, pad == null ? 0 : pad);
                NDArray s = model.scores(b.inputIds(), b.attentionMask()); // (B, 1)
                float[] v = s.toFloatArray();
                for (int i = 0; i < chunk.size(); i++) {
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
        model.close();
    }
}
