package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SftObjective: the negative log-likelihood of the completion tokens (prompt and padding masked), a token
 * mean over the whole optimizer step as TRL's SFTTrainer takes it with completion_only_loss.
 */
public final class SftObjective implements TrainingObjective {

    private final List<TokenizedCompletion> records;
    private final long padId;

    /** SFT on these records; pad columns hold {@code padId}. */
    public SftObjective(List<TokenizedCompletion> records, long padId) {
        this.records = records;
        this.padId = padId;
    }

    @Override
    public int size() {
        return records.size();
    }

    @Override
    public int longestRow(int example) {
        return records.get(example).length();
    }

    @Override
    public int rowsPerExample() {
        return 1;
    }

    @Override
    public double normaliser(int[] stepExamples) {
        long tokens = 0;
        for (int e : stepExamples) {
            tokens += records.get(e).completion().length;
        }
        return tokens;
    }

    @Override
    public Micro compute(LlamaModel model, int[] examples, NDManager manager) {
        List<long[]> prompts = new ArrayList<>();
        List<long[]> completions = new ArrayList<>();
        long tokens = 0;
        for (int e : examples) {
            prompts.add(records.get(e).prompt());
            completions.add(records.get(e).completion());
            tokens += records.get(e).length();
        }
        PaddedBatch rows = PaddedBatch.leftPadded(manager, prompts, completions, padId);
        return new Micro(model.responseLogps(rows.inputIds(), rows.attentionMask(), rows.responseMask()).sum().neg(),
                Map.of(), tokens);
    }
}
